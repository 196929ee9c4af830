import { describe, expect, it } from 'vitest';
import { buildEstate } from '../bin/estate.ts';
import { DEFAULT_CONFIG, parseConfig } from '../config/index.ts';
import { createEstateApp } from '../lib/app.ts';
import { checkAssembly, formatFinding } from '../lib/rules/index.ts';

const { recovery: RECOVERY } = DEFAULT_CONFIG.accounts;

/** The whole estate with the domain delegated from a parent zone in the recovery account; cdk-nag on. */
function synthesize(profile: 'lab' | 'production') {
  const app = createEstateApp({ builtinValidation: false });
  const config = parseConfig({
    profile,
    dns: { domainName: 'hello.example.com', delegation: { parentZoneName: 'example.com' } },
  });
  buildEstate(app, config);
  const assembly = app.synth();
  return assembly.stacks.map((s) => ({
    name: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    dependsOn: s.dependencies.map((d) => d.id),
    json: s.template,
  }));
}

describe.each(['lab', 'production'] as const)('the %s estate with dns.delegation', (profile) => {
  const stacks = synthesize(profile);

  it('DR-3: deploys the parent zone’s stack into the recovery account before the DNS stack that writes the delegation', () => {
    const parent = stacks.find((s) => s.name === 'Hello-Recovery-Dns-us-east-1');
    expect([parent?.account, parent?.region]).toEqual([RECOVERY, 'us-east-1']);
    expect(stacks.find((s) => s.name === 'Hello-Dns-us-east-1')?.dependsOn).toContain(
      'Hello-Recovery-Dns-us-east-1',
    );
  });

  it('DR-3, SEC-3: synthesizes with cdk-nag and passes every deploy-time rule', () => {
    expect(checkAssembly({ stacks }).map(formatFinding)).toEqual([]);
  });
});
