import { z } from 'zod';

export const PROFILE_NAMES = ['lab', 'production'] as const;
export const profileName = z.enum(PROFILE_NAMES);
export type ProfileName = z.infer<typeof profileName>;

/** Interface endpoints a VPC gets so instances reach AWS APIs without a NAT gateway. */
export interface InterfaceEndpointSettings {
  /** Endpoint service names (`com.amazonaws.<region>.<name>`). */
  readonly services: readonly string[];
  /** How many of the region's AZs hold an endpoint network interface (private DNS serves every AZ). */
  readonly azCount: number;
}

/**
 * What a profile may change: sizes, counts and paid extras, never the architecture. Both profiles
 * synthesize the same resource types (proven in infra/test/profiles.test.ts).
 */
export interface ProfileSettings {
  /** NAT gateways per VPC. */
  readonly natGateways: number;
  /** Interface endpoints per VPC. */
  readonly interfaceEndpoints: InterfaceEndpointSettings;
  /** Retention of every log group, in days (a value CloudWatch Logs accepts). */
  readonly logRetentionDays: number;
  /** Route 53 health checks of the regional endpoints. */
  readonly healthCheck: { readonly intervalSeconds: 10 | 30; readonly failureThreshold: number };
  /** TTL of the weighted records of `app`: how long a resolver keeps sending users to a region that left. */
  readonly weightedTtlSeconds: number;
  /**
   * TTL of the NS records that delegate the domain (the parent's and the zone's own apex set): how long a
   * resolver keeps asking the old zone after the delegation moves to a recovered one.
   */
  readonly delegationTtlSeconds: number;
  /** Instance type of the EC2 engines. */
  readonly instanceType: string;
  /** Aurora Serverless v2 capacity bounds, in ACUs, and whether the clusters refuse deletion. */
  readonly database: {
    readonly minCapacityAcu: number;
    readonly maxCapacityAcu: number;
    readonly deletionProtection: boolean;
  };
  /**
   * Days AWS Backup keeps the hourly and the daily recovery points (and their copies), and how the
   * recovery account's vaults are locked (see {@link RecoveryVaultLock}).
   */
  readonly backup: {
    readonly hourlyRetentionDays: number;
    readonly dailyRetentionDays: number;
    readonly recoveryVaultLock: RecoveryVaultLock;
  };
  /**
   * The serverless engine's function: memory (CPU grows with it) and the environments kept initialised on
   * its live alias, which remove cold starts and are billed whether used or not.
   */
  readonly lambda: { readonly memoryMb: number; readonly provisionedConcurrency: number };
  /** Each Fargate task of the ECS engine: vCPU units (1024 = 1 vCPU) and memory. */
  readonly fargate: { readonly cpu: number; readonly memoryMiB: number };
}

/**
 * The lock of the recovery account's vaults. Governance: an administrator of that account may lift it.
 * Compliance: after `changeableForDays` nobody can, not even the account's root, so the copies outlive a
 * compromised account, and the vault cannot be deleted until its last recovery point expires.
 */
export type RecoveryVaultLock =
  | { readonly mode: 'governance' }
  | { readonly mode: 'compliance'; readonly changeableForDays: number };

const SSM_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages'] as const;

export const PROFILES: Readonly<Record<ProfileName, ProfileSettings>> = {
  // Cheapest shape that still has every part: an interface endpoint costs about $7/month per AZ and a NAT
  // gateway about $33/month, per region; six regions make those the lab's largest fixed costs.
  lab: {
    natGateways: 1,
    interfaceEndpoints: { services: SSM_ENDPOINTS, azCount: 1 },
    logRetentionDays: 30,
    healthCheck: { intervalSeconds: 30, failureThreshold: 3 },
    // Resolvers ask again every minute: fewer billed queries in an estate no user depends on.
    weightedTtlSeconds: 60,
    // Within the runbook's 5-minute DNS step; shorter buys little, as many resolvers raise short TTLs.
    delegationTtlSeconds: 300,
    instanceType: 't3.micro',
    // No deletion protection: a lab is torn down often, and the final snapshot still keeps the data.
    database: { minCapacityAcu: 0.5, maxCapacityAcu: 2, deletionProtection: false },
    // A day of hourly points and a week of daily ones: every copy path is exercised, storage stays small.
    // Governance lock on the recovery vaults: a lab must be able to lift it to tear down.
    backup: { hourlyRetentionDays: 1, dailyRetentionDays: 7, recoveryVaultLock: { mode: 'governance' } },
    // Billed per request only: an idle lab costs nothing, the first request after a pause waits ~0.3 s.
    lambda: { memoryMb: 512, provisionedConcurrency: 0 },
    // The smallest Fargate size on Arm: about $7 a month per task running all month.
    fargate: { cpu: 256, memoryMiB: 512 },
  },
  // The designed RTO/RPO: an AZ loss takes neither egress nor API access with it, and a region is taken
  // out of DNS after about 10 s of failures instead of 90 s.
  production: {
    natGateways: 3,
    interfaceEndpoints: { services: [...SSM_ENDPOINTS, 'logs', 'kms', 'secretsmanager'], azCount: 3 },
    logRetentionDays: 365,
    healthCheck: { intervalSeconds: 10, failureThreshold: 1 },
    // Detection 10 s + 20 s keeps a region's loss under the 60 s target; each query is billed per million.
    weightedTtlSeconds: 20,
    // The same bound as lab: a referral is one query per resolver per TTL, so the cost is negligible either way.
    delegationTtlSeconds: 300,
    instanceType: 't3.small',
    database: { minCapacityAcu: 2, maxCapacityAcu: 8, deletionProtection: true },
    // Compliance lock on the recovery vaults, immutable after a 3-day grace in which a wrong setting can
    // still be fixed (3 days is the shortest AWS Backup accepts).
    backup: {
      hourlyRetentionDays: 7,
      dailyRetentionDays: 35,
      recoveryVaultLock: { mode: 'compliance', changeableForDays: 3 },
    },
    // Two warm environments answer without a cold start: about $9/month each at 1 GiB on Arm (us-east-1).
    lambda: { memoryMb: 1024, provisionedConcurrency: 2 },
    fargate: { cpu: 512, memoryMiB: 1024 },
  },
};
