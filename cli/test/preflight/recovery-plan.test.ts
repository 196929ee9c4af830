import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../infra/config/index.ts';
import { checkRecoveryPlan } from '../../preflight/recovery-plan.ts';

describe('preflight: the recovery plan', () => {
  it('OPS-6, DR-3: the default config recovers into the recovery account, home in the recovery region, naming the engine regions', () => {
    const [plan] = checkRecoveryPlan(parseConfig({}));
    expect(plan).toMatchObject({ check: 'recovery plan', status: 'ok', scope: 'account 222222222222' });
    expect(plan?.detail).toContain(`home in ${DEFAULT_CONFIG.recoveryRegion}`);
    expect(plan?.detail).toMatch(/engines in .*eu-west-1.*us-west-2.*ap-southeast-2/);
  });

  it('OPS-6, DR-3: a recovery section whose estate could not deploy is a blocker naming the key to change, before any account is lost', () => {
    // Valid as a config; only the recovered estate shows the problem: no database copy is kept there.
    const config = parseConfig({ recovery: { homeRegion: 'eu-west-1' } });
    const [plan] = checkRecoveryPlan(config);
    expect(plan?.status).toBe('BLOCKER');
    expect(plan?.detail).toContain('recovery.homeRegion');
    expect(plan?.detail).toContain('eu-west-1');
  });

  it('OPS-6: an estate without a recovery account says it cannot be recovered elsewhere', () => {
    // What recoveredConfig gives without a standby account (a file cannot unset the default's).
    const config = { ...parseConfig({}), accounts: { primary: '111111111111' } };
    expect(checkRecoveryPlan(config)).toEqual([
      expect.objectContaining({ status: 'warn', fix: 'set accounts.recovery' }),
    ]);
  });
});
