import { describe, expect, it } from 'vitest';
import {
  backupCopyRegion,
  ConfigError,
  DEFAULT_CONFIG,
  estateConfigSchema,
  estateSites,
  parseConfig,
  primaryRegions,
} from '../../config/index.ts';
import { recoveredConfig } from '../../config/recovery.ts';
import { problems } from './problems.ts';

/** What recoveredConfig reports wrong with the recovered estate of these overrides; empty when valid. */
function recoveryProblems(overrides: unknown): readonly string[] {
  try {
    recoveredConfig(parseConfig(overrides));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the recovered estate config', () => {
  const recovered = recoveredConfig(DEFAULT_CONFIG);

  it('DR-3: runs in the old recovery account, home in the recovery region, with no site in the lost account', () => {
    expect(recovered.accounts).toEqual({ primary: DEFAULT_CONFIG.accounts.recovery });
    expect(recovered.homeRegion).toBe(DEFAULT_CONFIG.recoveryRegion);
    const sites = estateSites(recovered);
    expect(sites.length).toBeGreaterThan(0);
    for (const site of sites) {
      expect(site).toMatchObject({ role: 'primary', account: DEFAULT_CONFIG.accounts.recovery });
    }
  });

  it('DR-3: runs the EC2 engines where the golden AMI copy is and every other engine in its own regions', () => {
    expect(recovered.engines).toEqual({
      fleet: { enabled: true, regions: ['us-east-2'] },
      asg: { enabled: true, regions: ['us-east-2'] },
      beanstalk: { enabled: true, regions: ['eu-west-1'] },
      ecs: { enabled: true, regions: ['us-west-2'] },
      serverless: { enabled: true, regions: ['ap-southeast-2'] },
    });
    expect(primaryRegions(recovered)).toEqual(['us-east-2', 'eu-west-1', 'us-west-2', 'ap-southeast-2']);
  });

  it('DR-3: restores a single-region database, copies backups in-account only, keeps the profile sizes', () => {
    expect(recovered.database.secondaryRegions).toEqual([]);
    expect(backupCopyRegion(recovered)).toBeUndefined();
    expect(recovered.profile).toBe('lab');
    expect(recoveredConfig(parseConfig({ profile: 'production' })).profile).toBe('production');
  });

  it('DR-3: leaves disabled engines disabled and takes the regions the recovery section names', () => {
    const config = recoveredConfig(
      parseConfig({
        engines: { beanstalk: { enabled: false } },
        recovery: { engines: { ecs: ['eu-west-1'] }, databaseSecondaryRegions: ['eu-central-1'] },
      }),
    );
    expect(config.engines.beanstalk.enabled).toBe(false);
    expect(config.engines.ecs.regions).toEqual(['eu-west-1']);
    expect(config.database.secondaryRegions).toEqual(['eu-central-1']);
  });

  it('DR-3: with a standby account, has a recovery site of its own there, in the lost home region by default', () => {
    const config = recoveredConfig(parseConfig({ recovery: { standbyAccount: '333333333333' } }));
    expect(config.accounts).toEqual({ primary: '222222222222', recovery: '333333333333' });
    expect(estateSites(config).filter((s) => s.role === 'recovery')).toMatchObject([
      { account: '333333333333', region: 'us-east-1' },
    ]);
  });

  it('DR-3: drops what the lost account alone had: its hosted zone, its copy region, its release waves', () => {
    const config = recoveredConfig(
      parseConfig({
        dns: { hostedZoneId: 'Z0123456789ABC' },
        backup: { copyRegion: 'eu-central-1' },
        pipeline: {
          waves: [
            ['eu-central-1', 'eu-west-1'],
            ['us-west-2', 'ap-southeast-2'],
          ],
        },
      }),
    );
    expect(config.dns).toEqual({ domainName: 'example.com' });
    expect(config.backup.copyRegion).toBeUndefined();
    expect(config.pipeline.waves).toBeUndefined();
    expect(recoveredConfig(parseConfig({ recovery: { hostedZoneId: 'Z0SURVIVES1' } })).dns.hostedZoneId).toBe(
      'Z0SURVIVES1',
    );
  });

  it('DR-3: a config without a recovery account validates and has no recovery site', () => {
    const { recovery: _, ...primaryOnly } = DEFAULT_CONFIG.accounts;
    const config = estateConfigSchema.parse({ ...DEFAULT_CONFIG, accounts: primaryOnly });
    expect(config.accounts.recovery).toBeUndefined();
    expect(estateSites(config).map((s) => s.role)).not.toContain('recovery');
  });

  it.each([
    [
      'an engine region missing from regions',
      { recovery: { engines: { ecs: ['ca-central-1'] } } },
      /^regions\.ca-central-1: missing: ca-central-1 is used by the topology/,
    ],
    [
      'a home region holding no copy of the database',
      { recovery: { homeRegion: 'us-west-2', engines: { ecs: ['eu-central-1'] } } },
      /^recovery\.homeRegion: us-west-2 holds no copy of the database in the recovery account \(its vaults are in us-east-2 and us-east-1\)/,
    ],
    [
      'an exclusive engine on the EC2 engines’ home region',
      { recovery: { engines: { ecs: ['us-east-2'] } } },
      /^recovery\.engines\.ecs: us-east-2 already runs engines\.fleet; ecs needs a region of its own/,
    ],
    [
      'an exclusive engine whose only region becomes the home region',
      { recoveryRegion: 'us-west-2', engines: { ecs: { regions: ['us-west-2'] } } },
      /^recovery\.engines\.ecs: us-west-2 already runs engines\.fleet/,
    ],
    [
      'a standby account equal to the recovery account',
      { recovery: { standbyAccount: '222222222222' } },
      /^recovery\.standbyAccount: expected an account other than accounts\.primary/,
    ],
    [
      'a standby region running an EC2 engine while the golden AMI is on',
      { recovery: { standbyAccount: '333333333333', standbyRegion: 'us-east-2' } },
      /^recovery\.standbyRegion: expected a region without an EC2 engine while features\.goldenAmi is on/,
    ],
  ])('DR-3: refuses %s', (_name, overrides, message) => {
    expect(problems(overrides)).toEqual([]);
    expect(recoveryProblems(overrides)).toContainEqual(expect.stringMatching(message));
  });

  it('DR-3: refuses a malformed standby account when the config is read', () => {
    expect(problems({ recovery: { standbyAccount: '3333' } })).toContainEqual(
      expect.stringMatching(/^recovery\.standbyAccount: expected a 12-digit AWS account id/),
    );
  });

  it('DR-3: the default config has a valid recovered estate', () => {
    expect(recoveryProblems({})).toEqual([]);
  });
});
