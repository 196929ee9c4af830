import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parameterName } from '../../config/index.ts';
import { FargateEngine } from '../constructs/engines/ecs/fargate-service.ts';
import type { RestoredImageSource } from '../constructs/engines/ecs/restored-image.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/** Props of {@link EcsStack}. */
export interface EcsStackProps extends EngineStackProps {
  /** A recovered estate's image. @default - the released image */
  readonly restoredImage?: RestoredImageSource;
}

/**
 * The `ecs` engine of one region: the service's container on Fargate behind an ALB, moved to each new
 * task definition by ECS's own blue/green (or canary, or linear) deployment with a test-traffic hook,
 * alarm rollback and the circuit breaker; its endpoint published for DNS and the operator tool.
 */
export class EcsStack extends EstateStack {
  /** Cluster, task, service, balancer, hook and alarms. */
  readonly service: FargateEngine;

  constructor(scope: Construct, props: EcsStackProps) {
    super(scope, {
      ...props,
      concern: 'Ecs',
      description: 'ECS Fargate service behind an ALB, native blue/green with a test-traffic hook',
    });
    const { config, foundation, site } = props;
    this.service = new FargateEngine(this, 'Service', {
      config,
      vpc: foundation.network.vpc,
      key: foundation.key.key,
      accessLogs: foundation.accessLogs.bucket,
      topic: foundation.alarms.topic,
      logRetention: this.profile.logRetentionDays as RetentionDays,
      ...this.profile.fargate,
      restoredImage: props.restoredImage,
    });
    const published = (leaf: string) => parameterName(config, site.region, 'ecs', leaf);
    new PublishedParameters(this, 'Parameters', {
      values: {
        [published('load-balancer-dns')]: this.service.loadBalancer.loadBalancerDnsName,
        [published('cluster')]: this.service.cluster.clusterName,
        [published('service')]: this.service.service.serviceName,
      },
    });
  }
}
