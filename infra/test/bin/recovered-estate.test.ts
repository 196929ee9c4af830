import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estateFromContext } from '../../bin/estate.ts';
import { DEFAULT_CONFIG } from '../../config/index.ts';
import { RESTORE_CONTEXT_KEY, type RestoreSettings } from '../../config/restore.ts';
import { createEstateApp } from '../../lib/app.ts';
import { type AssemblyStack, checkAssembly, formatFinding } from '../../lib/rules/index.ts';
import { estate } from '../support/estate.ts';

const LOST = DEFAULT_CONFIG.accounts.primary;
const RECOVERY = DEFAULT_CONFIG.accounts.recovery;
const SNAPSHOT = `arn:aws:rds:us-east-2:${RECOVERY}:cluster-snapshot:awsbackup:job-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const RESTORE: RestoreSettings = {
  chosenAt: '2026-12-05T04:00:00Z',
  database: { snapshotArn: SNAPSHOT, createdAt: '2026-12-05T03:00:00Z' },
  parameters: {
    bucket: `hello-replica-${RECOVERY}-us-east-2`,
    manifestKey: 'manifests/2026-12-05T03:30:00Z.json',
    exportedAt: '2026-12-05T03:30:00Z',
  },
  image: { tag: '3f2a9c1', pushedAt: '2026-12-04T18:00:00Z' },
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

describe('the recovered estate (restore mode)', () => {
  let workdir: string;
  let stacks: AssemblyStack[] = [];
  let synthFailure: unknown;
  const stack = (name: string): AssemblyStack => {
    const found = stacks.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no stack ${name} in ${stacks.map((s) => s.name).join(', ')}`);
    return found;
  };
  const resources = (name: string, type: string) =>
    Object.entries(stack(name).json.Resources as Resources).filter(([, r]) => r.Type === type);

  beforeAll(() => {
    workdir = mkdtempSync(join(tmpdir(), 'recovered-estate-'));
    const file = join(workdir, 'restore.json');
    writeFileSync(file, JSON.stringify(RESTORE));
    // cdk-nag and the guardrail aspects run as validation plugins: synth throws on a finding.
    const app = createEstateApp({ outdir: join(workdir, 'cdk.out'), builtinValidation: false });
    app.node.setContext(RESTORE_CONTEXT_KEY, file);
    try {
      estateFromContext(app, DEFAULT_CONFIG);
      stacks = app.synth().stacks.map((s: CloudFormationStackArtifact) => ({
        name: s.stackName,
        account: s.environment.account,
        region: s.environment.region,
        dependsOn: s.dependencies.map((d) => d.id),
        json: s.template,
      }));
    } catch (error) {
      synthFailure = error;
    }
  }, 300_000);
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('DR-3: synthesizes with cdk-nag and every guardrail aspect reporting nothing unacknowledged', () => {
    expect(synthFailure).toBeUndefined();
    expect(stacks.length).toBeGreaterThan(0);
  });

  it('DR-3: deploys every stack into the recovery account and names the lost primary account nowhere', () => {
    for (const s of stacks) {
      expect(s.account, s.name).toBe(RECOVERY);
      expect(JSON.stringify(s.json), s.name).not.toContain(LOST);
    }
  });

  it('DR-3: passes every deploy-time rule', () => {
    expect(checkAssembly({ stacks }).map(formatFinding)).toEqual([]);
  });

  it('DR-3: restores the home cluster from the snapshot instead of creating an empty one', () => {
    const clusters = stacks.flatMap((s) =>
      Object.values(s.json.Resources as Resources).filter((r) => r.Type === 'AWS::RDS::DBCluster'),
    );
    expect(clusters).toHaveLength(1);
    const [[, cluster] = []] = resources('Hello-Data-us-east-2', 'AWS::RDS::DBCluster');
    const properties = cluster?.Properties ?? {};
    expect(properties.SnapshotIdentifier).toBe(SNAPSHOT);
    expect(properties).not.toHaveProperty('MasterUsername');
    expect(properties).not.toHaveProperty('DatabaseName');
    // The generated master secret's password is set on the restored cluster: rotation and the app-user
    // function log in with it, and the app-user function resets the service's role to its own secret.
    expect(JSON.stringify(properties.MasterUserPassword)).toMatch(/secretsmanager.*SecretString:password/);
    expect(properties.KmsKeyId).toBeDefined();
    expect(resources('Hello-Data-us-east-2', 'Custom::DatabaseAppUser').length).toBe(1);
  });

  it("DR-3: runs the restore file's image from the recovery account's replica and builds no registry", () => {
    const [[, task] = []] = resources('Hello-Ecs-us-west-2', 'AWS::ECS::TaskDefinition');
    const [container] = (task?.Properties?.ContainerDefinitions ?? []) as { Image: unknown }[];
    expect(JSON.stringify(container?.Image)).toMatch(
      new RegExp(
        `${RECOVERY}\\.dkr\\.ecr\\.us-east-2\\.",\\{"Ref":"AWS::URLSuffix"\\},"/hello/service:3f2a9c1`,
      ),
    );
    const pulls = resources('Hello-Ecs-us-west-2', 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties).includes('ecr:BatchGetImage'),
    );
    expect(JSON.stringify(pulls)).toContain(`:ecr:us-east-2:${RECOVERY}:repository/hello/service`);
    expect(stacks.map((s) => s.name).filter((n) => /Registry|Pipeline|Release/.test(n))).toEqual([]);
  });

  it('DR-3: launches the EC2 engines from the region’s golden AMI parameter, seeded when it is missing', () => {
    for (const name of ['Hello-Fleet-us-east-2', 'Hello-Asg-us-east-2']) {
      const templates = resources(name, 'AWS::EC2::LaunchTemplate');
      expect(templates.length, name).toBeGreaterThan(0);
      for (const [, t] of templates) {
        expect(JSON.stringify(t.Properties), name).toContain('resolve:ssm:/hello/us-east-2/ami/latest');
      }
      const seeds = resources(name, 'Custom::GoldenImageParameter');
      expect(JSON.stringify(seeds), name).toContain('/hello/us-east-2/ami/latest');
    }
  });

  it.each([
    ['Foundation', ['AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::EC2::VPC', 'AWS::SSM::Parameter']],
    ['Governance', ['AWS::Config::ConfigurationRecorder', 'AWS::Config::DeliveryChannel']],
  ])(
    'DR-3: takes over the lost estate’s recovery-site %s stack in place, keeping its stateful resources',
    (concern, types) => {
      const name = `Hello-Recovery-${concern}-us-east-2`;
      const before = Object.entries(estate('lab').stack(name).json.Resources)
        .filter(([, r]) => types.includes(r.Type))
        .map(([id, r]) => `${id} ${r.Type}`);
      expect(before.length).toBeGreaterThan(0);
      const after = Object.entries(stack(name).json.Resources as Resources).map(
        ([id, r]) => `${id} ${r.Type}`,
      );
      expect(after).toEqual(expect.arrayContaining(before));
      expect(stacks.map((s) => s.name)).not.toContain(`Hello-${concern}-us-east-2`);
    },
  );
});
