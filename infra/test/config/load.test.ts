import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, estateSites, loadConfig, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('parseConfig', () => {
  it('accepts no overrides: the placeholder defaults synthesize as they are', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG);
  });

  it('lays overrides over the defaults, replacing arrays and keeping sibling keys', () => {
    const config = parseConfig({
      engines: { ecs: { regions: ['eu-west-2'] } },
      regions: {
        'eu-west-2': {
          availabilityZones: ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
          vpcCidr: '10.70.0.0/16',
        },
      },
    });
    expect(config.engines.ecs).toEqual({ enabled: true, regions: ['eu-west-2'] });
    expect(config.engines.beanstalk.regions).toEqual(['eu-west-1']);
    expect(estateSites(config).map((s) => s.region)).toContain('eu-west-2');
  });

  it('replaces the source whole, so switching kind leaves no key of the default behind', () => {
    const config = parseConfig({ source: { kind: 'S3', bucketName: 'my-sources', objectKey: 'hello.zip' } });
    expect(config.source).toEqual({ kind: 'S3', bucketName: 'my-sources', objectKey: 'hello.zip' });
  });

  // Each malformed override gives exactly one problem, and the problem names the key.
  it.each([
    ['an unknown region', { homeRegion: 'us-east-7' }, /^homeRegion: unknown region "us-east-7"/],
    [
      'an unknown engine region',
      { engines: { ecs: { regions: ['mars-1'] } } },
      /^engines\.ecs\.regions\[0\]: unknown region/,
    ],
    [
      'a bad account id',
      { accounts: { primary: '1234' } },
      /^accounts\.primary: expected a 12-digit AWS account id/,
    ],
    [
      'an account id as a number',
      { accounts: { recovery: 222222222223 } },
      /^accounts\.recovery: expected a 12-digit/,
    ],
    [
      'the same account twice',
      { accounts: { recovery: '111111111111' } },
      /^accounts\.recovery: expected an account other than/,
    ],
    [
      'the placeholder domain with deploy on',
      { deploy: true, accounts: { primary: '123456789012', recovery: '210987654321' } },
      /^dns\.domainName: expected a domain you own when deploy is true/,
    ],
    [
      'a placeholder account with deploy on',
      { deploy: true, dns: { domainName: 'hello.dev' }, accounts: { recovery: '210987654321' } },
      /^accounts\.primary: expected a real account id when deploy is true/,
    ],
    [
      'two engines that need their own region',
      { engines: { serverless: { regions: ['us-west-2'] } } },
      /^engines\.serverless\.regions\[0\]: us-west-2 already runs engines\.ecs/,
    ],
    [
      'an exclusive engine in the ASG region',
      { engines: { beanstalk: { regions: ['eu-central-1'] } } },
      /^engines\.beanstalk\.regions\[0\]: eu-central-1 already runs engines\.asg/,
    ],
    [
      'a region listed twice',
      { engines: { asg: { regions: ['us-east-1', 'us-east-1'] } } },
      /^engines\.asg\.regions\[1\]: us-east-1 is listed twice/,
    ],
    [
      'the fleet outside the home region',
      { engines: { fleet: { regions: ['eu-central-1'] } } },
      /^engines\.fleet\.regions: expected only the home region/,
    ],
    [
      'the database replica in the home region',
      { database: { secondaryRegions: ['us-east-1'] } },
      /^database\.secondaryRegions\[0\]: expected a region other than homeRegion/,
    ],
    ['an unknown key', { profil: 'lab' }, /^profil: unknown key \(expected one of appName, profile,/],
    [
      'an unknown nested key',
      { dns: { domain: 'hello.dev' } },
      /^dns\.domain: unknown key \(expected one of domainName/,
    ],
    ['an unknown profile', { profile: 'prod' }, /^profile: /],
    [
      'a region with no AZs in the config',
      { engines: { ecs: { regions: ['eu-north-1'] } } },
      /^regions\.eu-north-1: missing: eu-north-1 is used by the topology/,
    ],
    [
      'an AZ of another region',
      { regions: { 'us-east-1': { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-west-2c'] } } },
      /^regions\.us-east-1\.availabilityZones\[2\]: expected an AZ of us-east-1/,
    ],
    [
      'two AZs only',
      { regions: { 'us-east-1': { availabilityZones: ['us-east-1a', 'us-east-1b'] } } },
      /^regions\.us-east-1\.availabilityZones: expected exactly 3/,
    ],
    [
      'two regions on one VPC range',
      { regions: { 'eu-west-1': { vpcCidr: '10.10.0.0/16' } } },
      /^regions\.(eu-west-1|us-east-1)\.vpcCidr: 10\.10\.0\.0\/16 is already the range of/,
    ],
    [
      'a bad time zone',
      { scheduling: { timeZone: 'Paris' } },
      /^scheduling\.timeZone: expected an IANA time zone/,
    ],
    ['a bad alert address', { alerts: { email: 'ops' } }, /^alerts\.email: expected an e-mail address/],
    [
      'an unknown source kind',
      { source: { kind: 'GitHub' } },
      /^source\.kind: expected kind to be one of CodeCommit, CodeConnections, S3/,
    ],
  ])('refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it('accepts a real deployment once accounts and domain are real', () => {
    const config = parseConfig({
      deploy: true,
      dns: { domainName: 'hello.dev' },
      accounts: { primary: '123456789012', recovery: '210987654321' },
    });
    expect(config.deploy).toBe(true);
  });
});

describe('loadConfig', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'estate-config-'));

  it('uses the defaults when there is no estate.config.json', () => {
    expect(loadConfig({ cwd: dir(), env: {} })).toEqual(DEFAULT_CONFIG);
  });

  it('reads estate.config.json, and the profile from ESTATE_PROFILE, then from the caller', () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, 'estate.config.json'),
      JSON.stringify({ homeRegion: 'us-east-1', tags: { owner: 'me' } }),
    );
    expect(loadConfig({ cwd, env: {} }).tags.owner).toBe('me');
    expect(loadConfig({ cwd, env: { ESTATE_PROFILE: 'production' } }).profile).toBe('production');
    expect(loadConfig({ cwd, env: { ESTATE_PROFILE: 'production' }, profile: 'lab' }).profile).toBe('lab');
  });

  it('reads the file ESTATE_CONFIG names, and says which file is wrong', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'other.json'), JSON.stringify({ accounts: { primary: 'abc' } }));
    expect(() => loadConfig({ cwd, env: { ESTATE_CONFIG: 'other.json' } })).toThrow(
      /other\.json is invalid:\n {2}- accounts\.primary: expected a 12-digit/,
    );
    expect(() => loadConfig({ cwd, env: { ESTATE_CONFIG: 'absent.json' } })).toThrow(/not found/);
  });

  it('names a file that is not JSON', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'estate.config.json'), '{ "profile": ');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(
      /estate\.config\.json is invalid:\n {2}- \(file\): not valid JSON/,
    );
  });
});

it('the committed estate.config.example.json is a valid configuration', () => {
  const example = JSON.parse(
    readFileSync(new URL('../../../estate.config.example.json', import.meta.url), 'utf8'),
  );
  expect(parseConfig(example, 'estate.config.example.json').source.kind).toBe('CodeConnections');
});
