// Row group: the recovered estate the config implies is valid now, not only when the primary account is
// gone. The config's own validation checks the recovery section's shape; `recoveredConfig` checks the
// estate it describes (regions, exclusive engines, the home region holding the database's copies).
import {
  ConfigError,
  type EstateConfig,
  hasRecoverySite,
  recoveredConfig,
} from '../../infra/config/index.ts';
import { type Row, row } from './report.ts';

const CHECK = 'recovery plan';

/** One row: ok with the recovered home and regions, or a blocker naming each recovery key to change. */
export function checkRecoveryPlan(config: EstateConfig): Row[] {
  if (!hasRecoverySite(config)) {
    return [
      row(
        CHECK,
        'config',
        'warn',
        'no recovery account: the estate cannot be recovered elsewhere',
        'set accounts.recovery',
      ),
    ];
  }
  try {
    const recovered = recoveredConfig(config);
    const regions = new Set(
      Object.values(recovered.engines).flatMap((engine) => (engine.enabled ? engine.regions : [])),
    );
    return [
      row(
        CHECK,
        `account ${recovered.accounts.primary}`,
        'ok',
        `after an account loss the estate comes back with its home in ${recovered.homeRegion}, engines in ${[...regions].join(', ')}`,
      ),
    ];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [
      row(
        CHECK,
        'config',
        'BLOCKER',
        `the recovered estate would not deploy: ${error.problems.join('; ')}`,
        'change the named keys of the recovery section (npm run recover would stop on them)',
      ),
    ];
  }
}
