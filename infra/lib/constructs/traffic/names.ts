import {
  type AwsRegion,
  ENGINE_KINDS,
  type EngineKind,
  type EstateConfig,
  parameterName,
  type Site,
} from '../../../config/index.ts';

/**
 * The region of everything global: CloudFront takes certificates from us-east-1 only, and Route 53's
 * control plane lives there, so the hosted zone, the edge certificate, the distributions and the
 * records that span regions are created in it.
 */
export const EDGE_REGION: AwsRegion = 'us-east-1';

/** One engine in one region: a regional endpoint of the weighted set. */
export interface RegionalEndpoint {
  /** The engine serving it. */
  readonly engine: EngineKind;
  /** Its region. */
  readonly region: AwsRegion;
}

/**
 * The names users and checks reach: `app.<domain>` (weighted, then the oops page), `ab.<domain>` (A/B
 * routing at the edge) and one name per regional endpoint, `<engine>.<region>.<domain>`, that health
 * checks, the A/B distribution and operators call directly. All computable from the config, so no
 * stack needs another's output to name them.
 */
export function trafficNames(config: Pick<EstateConfig, 'dns'>) {
  const domain = config.dns.domainName;
  return {
    domain,
    app: `app.${domain}`,
    ab: `ab.${domain}`,
    /** The weighted set, the PRIMARY of `app`'s failover pair. */
    weighted: `weighted.app.${domain}`,
    regional: (endpoint: RegionalEndpoint) => `${endpoint.engine}.${endpoint.region}.${domain}`,
  };
}

/** The SSM parameter (in {@link EDGE_REGION}) holding the id of a hosted zone the estate created. */
export function zoneIdParameterName(config: EstateConfig): string {
  return parameterName(config, EDGE_REGION, 'dns', 'zone-id');
}

/** Every enabled engine in each of its regions, home region first, then in config order. */
export function regionalEndpoints(config: EstateConfig): RegionalEndpoint[] {
  const all = (Object.keys(ENGINE_KINDS) as EngineKind[]).flatMap((engine) =>
    config.engines[engine].enabled
      ? config.engines[engine].regions.map((region) => ({ engine, region }))
      : [],
  );
  return [
    ...all.filter((e) => e.region === config.homeRegion),
    ...all.filter((e) => e.region !== config.homeRegion),
  ];
}

/**
 * The primary account's site in {@link EDGE_REGION}. Stacks there hold no VPC, so the region needs no
 * settings of its own in the config (its AZs, when given, are kept for uniformity).
 */
export function edgeSite(config: EstateConfig): Site {
  const settings = config.regions[EDGE_REGION];
  return {
    role: 'primary',
    account: config.accounts.primary,
    region: EDGE_REGION,
    availabilityZones: settings?.availabilityZones ?? [],
    vpcCidr: settings?.vpcCidr ?? '',
  };
}
