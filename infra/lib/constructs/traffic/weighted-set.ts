import { Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { EstateConfig, ProfileSettings } from '../../../config/index.ts';
import { regionalEndpoints, trafficNames } from './names.ts';
import { endpointWeights, type WeightedEndpoint } from './weights.ts';

/** What the regional health checks ask: the database too, unlike an instance check (SVC-10). */
export const DEEP_HEALTH_PATH = '/health/deep';

/** Props of {@link WeightedSet}. */
export interface WeightedSetProps {
  /** The validated topology: domain and engines. */
  readonly config: EstateConfig;
  /** Interval and failure threshold of the health checks, from the profile. */
  readonly healthCheck: ProfileSettings['healthCheck'];
  /** The estate's hosted zone. */
  readonly zone: route53.IHostedZone;
}

/**
 * DNS-1, DNS-2: one weighted alias record per regional endpoint under `weighted.app.<domain>`, weights
 * from the topology ({@link endpointWeights}), each aliasing the endpoint's own name with
 * evaluate-target-health and carrying a Route 53 HTTPS health check of that name's `/health/deep`. An
 * endpoint that fails either leaves the answers; the others keep their ratios. When every endpoint
 * fails, Route 53 answers as if all were healthy (its documented last resort): the failover pair above
 * this set is what then sends users to the oops page.
 */
export class WeightedSet extends Construct {
  /** `weighted.app.<domain>`. */
  readonly name: string;
  /** The endpoints, their weights, health checks and records. */
  readonly members: readonly {
    readonly endpoint: WeightedEndpoint;
    readonly healthCheck: route53.HealthCheck;
    readonly record: route53.ARecord;
  }[];

  constructor(scope: Construct, id: string, props: WeightedSetProps) {
    super(scope, id);
    const { config, zone } = props;
    const names = trafficNames(config);
    this.name = names.weighted;
    this.members = endpointWeights(regionalEndpoints(config), config.homeRegion).map((endpoint) => {
      const fqdn = names.regional(endpoint);
      const key = `${endpoint.engine}-${endpoint.region}`;
      const constructId = key.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
      const healthCheck = new route53.HealthCheck(this, `${constructId}Health`, {
        type: route53.HealthCheckType.HTTPS,
        fqdn,
        port: 443,
        resourcePath: DEEP_HEALTH_PATH,
        enableSNI: true,
        requestInterval: Duration.seconds(props.healthCheck.intervalSeconds),
        failureThreshold: props.healthCheck.failureThreshold,
      });
      const record = new route53.ARecord(this, constructId, {
        zone,
        recordName: this.name,
        setIdentifier: key,
        weight: endpoint.weight,
        healthCheck,
        // The endpoint's own record, in the same zone: its health is its balancer's or API's.
        target: route53.RecordTarget.fromAlias({
          bind: () => ({ dnsName: fqdn, hostedZoneId: zone.hostedZoneId, evaluateTargetHealth: true }),
        }),
      });
      return { endpoint, healthCheck, record };
    });
  }
}
