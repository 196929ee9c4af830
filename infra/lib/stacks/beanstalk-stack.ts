import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import {
  BeanstalkEnvironment,
  beanstalkNames,
} from '../constructs/engines/beanstalk/beanstalk-environment.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/**
 * The `beanstalk` engine of one region: a load-balanced Node.js environment running the web-mode bundle,
 * rolled out by the configured deployment policy; its endpoint published for DNS and the operator tool.
 */
export class BeanstalkStack extends EstateStack {
  /** Application, version and environment. */
  readonly service: BeanstalkEnvironment;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'Beanstalk',
      description: 'Elastic Beanstalk Node.js environment behind an ALB, deployment policy from config',
    });
    const { config, foundation, site } = props;
    this.service = new BeanstalkEnvironment(this, 'Service', {
      config,
      vpc: foundation.network.vpc,
      instanceType: this.profile.instanceType,
      logRetentionDays: this.profile.logRetentionDays,
    });
    const names = beanstalkNames(config);
    const published = (leaf: string) => parameterName(config, site.region, 'beanstalk', leaf);
    new PublishedParameters(this, 'Parameters', {
      values: {
        [published('application')]: names.application,
        [published('environment')]: names.environment,
        [published('endpoint')]: this.service.environment.attrEndpointUrl,
      },
    });
  }
}
