import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import { BeanstalkDockerEnvironment } from '../constructs/engines/beanstalk/beanstalk-docker-environment.ts';
import { beanstalkDockerNames } from '../constructs/engines/beanstalk/dockerrun.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';
import { imageRepositoryName } from './registry-stack.ts';

/**
 * The optional Docker environment of one region (ECS-4, `beanstalk.docker`): the service's image on
 * Beanstalk's ECS-based platform, released by the pipeline's last stage; its endpoint published for the
 * operator tool.
 */
export class BeanstalkDockerStack extends EstateStack {
  readonly service: BeanstalkDockerEnvironment;

  constructor(scope: Construct, props: EngineStackProps) {
    super(scope, {
      ...props,
      concern: 'BeanstalkDocker',
      description:
        'Elastic Beanstalk Docker (ECS) environment running hello/service behind an ALB (optional)',
    });
    const { config, foundation, site } = props;
    this.service = new BeanstalkDockerEnvironment(this, 'Service', {
      config,
      vpc: foundation.network.vpc,
      key: foundation.key.key,
      repositoryName: imageRepositoryName(config),
      logRetentionDays: this.profile.logRetentionDays,
    });
    const names = beanstalkDockerNames(config, site.region);
    const published = (leaf: string) => parameterName(config, site.region, 'beanstalk-docker', leaf);
    new PublishedParameters(this, 'Parameters', {
      values: {
        [published('application')]: names.application,
        [published('environment')]: names.environment,
        [published('endpoint')]: this.service.environment.attrEndpointUrl,
      },
    });
  }
}
