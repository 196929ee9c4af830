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
  /** TTL of the weighted records, from the profile. */
  readonly ttlSeconds: number;
  /** The estate's hosted zone. */
  readonly zone: route53.IHostedZone;
}

/**
 * DNS-1, DNS-2: one weighted CNAME record per regional endpoint under `weighted.app.<domain>`, weights
 * from the topology ({@link endpointWeights}), each naming the endpoint's own name and carrying a Route 53
 * HTTPS health check of that name's `/health/deep`, which passes through the balancer or API and so fails
 * too when nothing healthy is behind it. An endpoint that fails leaves the answers; the others keep their
 * ratios. CNAME, not alias: an alias takes its target's TTL, 60 s for a balancer, whereas this record's
 * TTL is the profile's, and the own name's A answer never changes in a failover, so its 60 s delays
 * nothing. When every endpoint
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
    readonly record: route53.CnameRecord;
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
      const record = new route53.CnameRecord(this, constructId, {
        zone,
        recordName: this.name,
        setIdentifier: key,
        weight: endpoint.weight,
        healthCheck,
        domainName: fqdn,
        ttl: Duration.seconds(props.ttlSeconds),
      });
      return { endpoint, healthCheck, record };
    });
  }
}
