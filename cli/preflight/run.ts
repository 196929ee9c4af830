// The preflight: every check group against one estate, in table order.
import type { EstateConfig } from '../../infra/config/index.ts';
import { checkBootstrap } from './bootstrap.ts';
import type { AccountProfiles, PreflightClients } from './clients.ts';
import { checkConfigRecorders } from './config-recorders.ts';
import { checkConnection } from './connection.ts';
import { checkDelegation } from './delegation.ts';
import { deploySites, type EstateAssembly } from './estate.ts';
import { checkIdentities } from './identity.ts';
import { checkOrganization } from './organization.ts';
import { checkQuotas } from './quotas.ts';
import { checkRecoveryPlan } from './recovery-plan.ts';
import type { Row } from './report.ts';
import { checkServiceLinkedRoles } from './service-linked-roles.ts';
import { checkVersions } from './versions.ts';

/**
 * The rows of every check. The checks only read, and each turns its own AWS errors into rows, so they run
 * concurrently; the identities come first in the table because every other row depends on them.
 */
export async function runPreflight(
  config: EstateConfig,
  assembly: EstateAssembly,
  clients: PreflightClients,
  profiles: AccountProfiles,
): Promise<Row[]> {
  const sites = deploySites(assembly.stacks, config);
  const groups = await Promise.all([
    checkIdentities(config, clients, profiles),
    checkBootstrap(sites, assembly.bootstrapVersion, config, clients, profiles),
    checkQuotas(sites, config, clients),
    checkOrganization(config, clients),
    checkServiceLinkedRoles(config, clients, profiles),
    checkVersions(config, clients),
    checkConfigRecorders(config, clients),
    checkDelegation(config, clients),
    checkConnection(config, clients),
    checkRecoveryPlan(config),
  ]);
  return groups.flat();
}
