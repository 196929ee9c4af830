import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import { ServerlessService } from '../constructs/engines/serverless/serverless-service.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/** Props of {@link ServerlessStack}. */
export interface ServerlessStackProps extends EngineStackProps {
  /** The region has a cluster of the database: the function joins the VPC to reach it. */
  readonly reachesDatabase: boolean;
}

/**
 * The `serverless` engine of one region: the service in Lambda mode behind an HTTP API, shifted to each
 * new version by CodeDeploy with a pre-traffic hook and alarm rollback; its endpoint published for DNS
 * and the operator tool.
 */
export class ServerlessStack extends EstateStack {
  /** Function, alias, API, alarms and traffic shift. */
  readonly service: ServerlessService;

  constructor(scope: Construct, props: ServerlessStackProps) {
    super(scope, {
      ...props,
      concern: 'Serverless',
      description: 'Lambda behind an HTTP API, CodeDeploy canary with a pre-traffic hook',
    });
    const { config, foundation, site } = props;
    this.service = new ServerlessService(this, 'Service', {
      config,
      key: foundation.key.key,
      topic: foundation.alarms.topic,
      logRetention: this.profile.logRetentionDays as RetentionDays,
      memoryMb: this.profile.lambda.memoryMb,
      provisionedConcurrency: this.profile.lambda.provisionedConcurrency,
      ...(props.reachesDatabase ? { vpc: foundation.network.vpc } : {}),
    });
    const published = (leaf: string) => parameterName(config, site.region, 'serverless', leaf);
    const { service } = this;
    new PublishedParameters(this, 'Parameters', {
      values: {
        [published('api-endpoint')]: service.api.apiEndpoint,
        [published('function-name')]: service.function.functionName,
        [published('application')]: service.deploymentGroup.application.applicationName,
        [published('deployment-group')]: service.deploymentGroup.deploymentGroupName,
      },
    });
  }
}
