import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, estateSites } from '../../../config/index.ts';
import { EstateStack } from '../../../lib/stacks/estate-stack.ts';

const site = estateSites(DEFAULT_CONFIG)[0];

function missingContext(build: (app: App) => Stack): unknown[] {
  const app = new App({ builtinCloudFormationValidation: false });
  new ec2.Vpc(build(app), 'Vpc', { maxAzs: 3, natGateways: 0 });
  return app.synth().manifest.missing ?? [];
}

describe('EstateStack', () => {
  it('DR-4: takes the AZs from the config, where a plain stack with an env needs a lookup', () => {
    if (site === undefined) throw new Error('the default topology has sites');
    const plain = missingContext(
      (app) => new Stack(app, 'Plain', { env: { account: site.account, region: site.region } }),
    );
    expect(plain).toEqual([expect.objectContaining({ provider: 'availability-zones' })]);
    const estate = missingContext(
      (app) => new EstateStack(app, { config: DEFAULT_CONFIG, site, concern: 'Probe', description: 'probe' }),
    );
    expect(estate).toEqual([]);
  });

  it('is named app-concern-region, with its account and region from the site', () => {
    if (site === undefined) throw new Error('the default topology has sites');
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new EstateStack(app, {
      config: DEFAULT_CONFIG,
      site,
      concern: 'Probe',
      description: 'probe',
    });
    expect([stack.stackName, stack.account, stack.region]).toEqual([
      'Hello-Probe-us-east-1',
      '111111111111',
      'us-east-1',
    ]);
    expect(stack.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });
});
