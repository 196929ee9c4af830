// What the account-loss runbook works on, computed from the config and the recovered estate's config:
// where the sources are in the recovery account, which regions and engines come back, and the designed
// figures from the same rows `npm run report` prints.
import {
  backupVaultName,
  type EstateConfig,
  primaryRegions,
  recoveryAccount,
} from '../../infra/config/index.ts';
import { standbyNames } from '../../infra/lib/constructs/delivery/release-names.ts';
import { type DelegationPlan, delegationPlan } from '../../infra/lib/constructs/traffic/delegation.ts';
import { regionalEndpoints, trafficNames } from '../../infra/lib/constructs/traffic/names.ts';
import { backupNames } from '../../infra/lib/stacks/parameter-backup-stack.ts';
import { imageRepositoryName } from '../../infra/lib/stacks/registry-stack.ts';
import { type AssemblyInput, posture } from '../dr-posture.ts';
import type { DesignedRpo, SourceLocations } from './find.ts';
import type { Endpoint } from './verify.ts';

/** The runbook's targets. */
export interface RecoverPlan {
  /** The recovery account, where everything happens. */
  readonly account: string;
  /** Where the sources are. */
  readonly sources: SourceLocations;
  /** The recovered estate's regions: where the parameters are imported. */
  readonly regions: readonly string[];
  /** The recovered engines' public endpoints. */
  readonly endpoints: readonly Endpoint[];
  /** The domain users reach. */
  readonly domain: string;
  /** The recovered estate's delegation of the domain in a parent zone; undefined: the registrar's. */
  readonly delegation?: DelegationPlan;
}

/**
 * The plan for recovering `config`'s estate as `recovered` (the estate redeployed into the recovery
 * account). The names are the lost estate's: the vault, the replica bucket and the repository are the
 * recovery account's side of its copies.
 */
export function recoverPlan(config: EstateConfig, recovered: EstateConfig): RecoverPlan {
  const names = backupNames(config);
  const traffic = trafficNames(recovered);
  const delegation = delegationPlan(recovered);
  return {
    account: recoveryAccount(config),
    sources: {
      vault: {
        name: backupVaultName(config, { role: 'recovery', region: recovered.homeRegion }),
        region: recovered.homeRegion,
      },
      replica: { bucket: names.replicaBucket, region: config.recoveryRegion },
      ...(config.engines.ecs.enabled
        ? { images: { repository: imageRepositoryName(config), region: config.recoveryRegion } }
        : {}),
      // The pipeline's Standby stage delivers each release there (CICD-8).
      ...(config.features.pipeline
        ? { releases: { bucket: standbyNames(config).bucket, region: config.recoveryRegion } }
        : {}),
    },
    regions: primaryRegions(recovered),
    endpoints: regionalEndpoints(recovered).map((e) => ({
      name: `${e.engine} ${e.region}`,
      url: `https://${traffic.regional(e)}`,
    })),
    domain: traffic.domain,
    ...(delegation === undefined ? {} : { delegation }),
  };
}

/**
 * The designed RPOs of the report's rows for `config`'s synthesized estate: the account row when the
 * vault read is in the home region (where the copies land), the account-and-region row otherwise (the
 * copies relayed on from there), and the parameters' row.
 */
export function designedRpo(input: AssemblyInput, config: EstateConfig, vaultRegion: string): DesignedRpo {
  const rows = posture(input);
  const database = rows.find((r) =>
    vaultRegion === config.homeRegion
      ? r.scenario.startsWith('primary account (')
      : r.scenario === `primary account + ${config.homeRegion}`,
  );
  const parameters = rows.find((r) => r.scenario === 'primary account: parameters');
  const none = { kind: 'unknown', reason: 'no such row in the report' } as const;
  return { database: database?.rpo ?? none, parameters: parameters?.rpo ?? none };
}
