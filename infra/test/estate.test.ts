import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estate } from './support/estate.ts';

const PROFILES = ['lab', 'production'] as const;

// The default topology of shared/DESIGN.md, written out so a change to it is a visible decision.
const EXPECTED_SITES = [
  ['111111111111', 'us-east-1'],
  ['111111111111', 'eu-west-1'],
  ['111111111111', 'us-west-2'],
  ['111111111111', 'ap-southeast-2'],
  ['111111111111', 'eu-central-1'],
  ['222222222222', 'us-east-2'],
].map(([a, r]) => `${a}/${r}`);
// The recovery account's backup landing vault in the home region: a key, a vault and the relay, no foundation.
const LANDING_SITE = '222222222222/us-east-1';
// The pipeline's artifact store in the recovery region, for its delivery there (CICD-8): no foundation.
const STANDBY_SITE = '111111111111/us-east-2';

describe.each(PROFILES)('the %s estate', (profile) => {
  it('synthesizes with cdk-nag and every guardrail aspect reporting nothing unacknowledged', () => {
    const { failure } = estate(profile).outcome;
    if (failure !== undefined) {
      const report = join(estate(profile).outcome.outdir, 'validation-report.json');
      const details = existsSync(report) ? readFileSync(report, 'utf8') : '';
      expect.fail(`${failure}\n${details}`);
    }
  });

  it('DR-4: needed no credentials and no context lookup', () => {
    expect(estate(profile).manifest.missing ?? []).toEqual([]);
  });

  it('gives every stack an explicit account and region', () => {
    for (const stack of estate(profile).stacks) {
      expect(stack.account, stack.name).toMatch(/^\d{12}$/);
      expect(stack.region, stack.name).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
    }
  });

  it('occupies exactly the (account, region) pairs of the default topology', () => {
    const sites = new Set(estate(profile).stacks.map((s) => `${s.account}/${s.region}`));
    expect([...sites].sort()).toEqual([...EXPECTED_SITES, LANDING_SITE, STANDBY_SITE].sort());
    const at = (site: string) =>
      estate(profile)
        .stacks.filter((s) => `${s.account}/${s.region}` === site)
        .map((s) => s.name);
    expect(at(LANDING_SITE)).toEqual(['Hello-Recovery-Backup-us-east-1']);
    expect(at(STANDBY_SITE)).toEqual(['Hello-Standby-us-east-2']);
  });

  it('names every stack app-concern-region and gives each site a foundation', () => {
    for (const stack of estate(profile).stacks) {
      expect(stack.name).toMatch(new RegExp(`^Hello-(Recovery-)?[A-Z][A-Za-z]+-${stack.region}$`));
    }
    for (const site of EXPECTED_SITES) {
      const [account, region] = site.split('/');
      const recovery = account === '222222222222' ? 'Recovery-' : '';
      expect(estate(profile).stack(`Hello-${recovery}Foundation-${region}`).account).toBe(account);
    }
  });

  it('passes values between regions only through SSM parameters, never cross-region references', () => {
    for (const stack of estate(profile).stacks) {
      const text = JSON.stringify(stack.json);
      expect(text, stack.name).not.toMatch(/Custom::CrossRegionExport|ExportsReader|ExportsWriter/);
      for (const match of text.matchAll(/"Fn::GetStackOutput":\{[^}]*"Region":"([^"]+)"/g)) {
        expect(match[1], `${stack.name} reads an output of another region`).toBe(stack.region);
      }
      for (const dependency of stack.dependsOn) {
        // Order only (no value crosses, as the loop above proves): a secondary database cluster joins
        // the global database that the home region's data stack creates.
        if (stack.name.startsWith('Hello-Data-') && dependency === 'Hello-Data-us-east-1') continue;
        // Order only too (the copy actions name their vaults by ARN): the home region's backup plan
        // copies into the vault of the copy region and the recovery account's, which must exist first.
        if (stack.name === 'Hello-Backup-us-east-1' && /^Hello-(Recovery-)?Backup-/.test(dependency))
          continue;
        // Order only: the landing vault's relay copies into the recovery region's vault.
        if (
          stack.name === 'Hello-Recovery-Backup-us-east-1' &&
          dependency === 'Hello-Recovery-Backup-us-east-2'
        )
          continue;
        // Order only: the replica bucket and key grants of the recovery account come before the replication.
        if (stack.name === 'Hello-Parameters-us-east-1' && dependency === 'Hello-Recovery-Data-us-east-2')
          continue;
        // Order only: the home cluster's secrets replicate into each secondary region on the key alias
        // that region's foundation creates.
        if (stack.name === 'Hello-Data-us-east-1' && /^Hello-Foundation-/.test(dependency)) continue;
        // Order only: the recovery registry consents before the home registry replicates into it.
        if (stack.name === 'Hello-Registry-us-east-1' && dependency === 'Hello-Recovery-Data-us-east-2')
          continue;
        // Order only: the golden image's copies name the other regions' estate keys by alias, and the
        // recovery account's distribution role must exist before a bake copies into it.
        if (stack.name === 'Hello-Image-us-east-1' && /^Hello-(Foundation|Recovery-Image)-/.test(dependency))
          continue;
        // Order only: the pipeline names each region's artifact bucket, release watch and engines by name,
        // and the recovery account's delivery role and bucket.
        if (
          stack.name === 'Hello-Pipeline-us-east-1' &&
          /^Hello-(Release|Asg|Beanstalk|Ecs|Serverless|Standby|Recovery-Standby)-/.test(dependency)
        )
          continue;
        // Order only: engines read the zone id by its parameter name; the global records alias the
        // engines' names, computed from the config.
        if (dependency === 'Hello-Dns-us-east-1' || stack.name === 'Hello-Traffic-us-east-1') continue;
        expect(estate(profile).stack(dependency).region, `${stack.name} → ${dependency}`).toBe(stack.region);
      }
    }
  });
});

it('DR-4: the repository holds no cdk.context.json (lookups would have cached values there)', () => {
  expect(existsSync(new URL('../../cdk.context.json', import.meta.url))).toBe(false);
});
