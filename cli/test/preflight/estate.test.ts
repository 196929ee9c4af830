import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { deploySites, type EstateStack, readAssembly } from '../../preflight/estate.ts';
import { PRIMARY, RECOVERY, testConfig } from './support.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function app(): App {
  const outdir = mkdtempSync(join(tmpdir(), 'preflight-assembly-'));
  dirs.push(outdir);
  // Template validation is not what these tests read, and it is most of a synthesis.
  return new App({ outdir, builtinCloudFormationValidation: false });
}

const resource = (Type: string, Properties?: Record<string, unknown>) => ({
  Type,
  ...(Properties ? { Properties } : {}),
});
const stack = (
  name: string,
  account: string,
  region: string,
  resources: Record<string, object>,
): EstateStack => ({
  name,
  account,
  region,
  template: { Resources: resources },
});

describe('preflight: what the estate asks of the accounts', () => {
  it("OPS-6: the bootstrap version required is the assembly's own, the highest any stack asks for", () => {
    const plain = app();
    new Stack(plain, 'Plain', { env: { account: PRIMARY, region: 'us-east-1' } });
    expect(readAssembly(plain.synth()).bootstrapVersion).toBe(6);

    // Session tags on the deploy role need a newer bootstrap: the requirement comes from the artifacts.
    const tagged = app();
    new Stack(tagged, 'Tagged', {
      env: { account: PRIMARY, region: 'us-east-1' },
      synthesizer: new DefaultStackSynthesizer({
        deployRoleAdditionalOptions: { Tags: [{ Key: 'team', Value: 'ops' }] },
      }),
    });
    new Stack(tagged, 'Plain', { env: { account: RECOVERY, region: 'us-east-2' } });
    const assembly = readAssembly(tagged.synth());
    expect(assembly.bootstrapVersion).toBe(22);
    expect(assembly.stacks.map((s) => `${s.name} ${s.account} ${s.region}`).sort()).toEqual([
      `Plain ${RECOVERY} us-east-2`,
      `Tagged ${PRIMARY} us-east-1`,
    ]);
  });

  it('OPS-6: each (account, region) once, with the NAT gateways, Elastic IPs and concurrency its stacks take', () => {
    const stacks = [
      stack('Foundation', PRIMARY, 'us-east-1', {
        Nat: resource('AWS::EC2::NatGateway'),
        Eip: resource('AWS::EC2::EIP'),
      }),
      stack('Serverless', PRIMARY, 'us-east-1', {
        Fn: resource('AWS::Lambda::Function', { MemorySize: 512 }),
        Live: resource('AWS::Lambda::Alias', {
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
        }),
      }),
      stack('Recovery', RECOVERY, 'us-east-2', {
        Relay: resource('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1 }),
      }),
    ];
    const config = testConfig();
    expect(deploySites(stacks, config)).toEqual([
      {
        role: 'primary',
        account: PRIMARY,
        region: 'us-east-1',
        stacks: ['Foundation', 'Serverless'],
        natGateways: 1,
        elasticIps: 1,
        reservedConcurrency: 0,
        provisionedConcurrency: 2,
      },
      {
        role: 'recovery',
        account: RECOVERY,
        region: 'us-east-2',
        stacks: ['Recovery'],
        natGateways: 0,
        elasticIps: 0,
        reservedConcurrency: 1,
        provisionedConcurrency: 0,
      },
    ]);
    expect(() => deploySites([stack('Stray', '999999999999', 'us-east-1', {})], config)).toThrow(
      /neither the primary nor the recovery account/,
    );
  });

  it('OPS-6: the same region in both accounts is two sites, each judged on its own quotas', () => {
    const sites = deploySites(
      [
        stack('A', RECOVERY, 'us-east-1', { Nat: resource('AWS::EC2::NatGateway') }),
        stack('B', PRIMARY, 'us-east-1', { Nat: resource('AWS::EC2::NatGateway') }),
      ],
      testConfig(),
    );
    expect(sites.map((s) => `${s.role} ${s.region} ${s.natGateways}`)).toEqual([
      'primary us-east-1 1',
      'recovery us-east-1 1',
    ]);
  });
});
