import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  CreateTagsCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../infra/config/index.ts';
import { fleetBlueGreenNames } from '../../../infra/lib/constructs/delivery/fleet-blue-green-step.ts';
import {
  type FleetDeps,
  FleetReleaseError,
  type FleetReleaseOptions,
  releaseFleet,
} from '../../fleet-blue-green/run.ts';

const ec2 = mockClient(EC2Client);
const codeDeploy = mockClient(CodeDeployClient);
const s3 = mockClient(S3Client);
const names = fleetBlueGreenNames(DEFAULT_CONFIG);
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

let clock = 0;
let lines: string[] = [];
const deps = (): FleetDeps => ({
  ec2: new EC2Client({ region: names.region }),
  codeDeploy: new CodeDeployClient({ region: names.region }),
  s3: new S3Client({ region: names.region }),
  log: (line) => lines.push(line),
  sleep: async (ms) => {
    clock += ms;
  },
  now: () => new Date(clock),
});
const options = (over: Partial<FleetReleaseOptions> = {}): FleetReleaseOptions => ({
  names,
  account: '123456789012',
  release: 'abc123',
  revision: new Uint8Array([1, 2, 3]),
  instances: 3,
  dryRun: false,
  healthyTimeoutMs: 10 * 60_000,
  deploymentTimeoutMs: 60 * 60_000,
  pollMs: 15_000,
  ...over,
});
const status = (id: string, instance = 'ok', state = 'running') => ({
  InstanceId: id,
  InstanceState: { Name: state as 'running' },
  InstanceStatus: { Status: instance as 'ok' },
  SystemStatus: { Status: instance as 'ok' },
});
const GREEN = ['i-g1', 'i-g2', 'i-g3'];

beforeEach(() => {
  ec2.reset();
  codeDeploy.reset();
  s3.reset();
  clock = 0;
  lines = [];
  ec2.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [{ LaunchTemplateId: 'lt-0fleet', LatestVersionNumber: 4 }],
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          { InstanceId: 'i-b1', SubnetId: 'subnet-b' },
          { InstanceId: 'i-b2', SubnetId: 'subnet-a' },
        ],
      },
    ],
  });
  s3.on(PutObjectCommand).resolves({});
  ec2
    .on(RunInstancesCommand, { SubnetId: 'subnet-a' })
    .resolves({ Instances: [{ InstanceId: 'i-g1' }, { InstanceId: 'i-g2' }] })
    .on(RunInstancesCommand, { SubnetId: 'subnet-b' })
    .resolves({ Instances: [{ InstanceId: 'i-g3' }] });
  ec2
    .on(DescribeInstanceStatusCommand)
    .resolvesOnce({ InstanceStatuses: GREEN.map((id) => status(id, 'initializing')) })
    .resolves({ InstanceStatuses: GREEN.map((id) => status(id)) });
  codeDeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-GREEN' });
  codeDeploy
    .on(GetDeploymentCommand)
    .resolvesOnce({ deploymentInfo: { status: 'InProgress' } })
    .resolves({ deploymentInfo: { status: 'Succeeded' } });
});

describe('npm run fleet:blue-green', () => {
  it('CICD-5: launches green from the fleet template where blue runs, waits for its checks, deploys naming it, then makes it the fleet', async () => {
    const result = await releaseFleet(deps(), options());

    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'tag:Name', Values: ['Hello-Fleet-us-east-1/Service/LaunchTemplate/Resource'] },
    ]);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'hello-fleet-artifacts-123456789012-us-east-1',
      Key: 'blue-green/abc123.zip',
    });
    const launches = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(launches.map((l) => [l.SubnetId, l.MinCount, l.MaxCount])).toEqual([
      ['subnet-a', 2, 2],
      ['subnet-b', 1, 1],
    ]);
    for (const launch of launches) {
      expect(launch.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0fleet', Version: '4' });
      // Not the fleet's own tag: the blue/green group would take green for blue.
      expect(launch.TagSpecifications?.[0]?.Tags).toContainEqual({
        Key: 'hello:engine',
        Value: 'fleet-green-abc123',
      });
      expect(launch.ClientToken).toMatch(/^abc123-\d$/);
    }
    const created = codeDeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
    expect(created).toMatchObject({
      applicationName: 'Hello-fleet',
      deploymentGroupName: 'Hello-fleet-blue-green',
      revision: {
        revisionType: 'S3',
        s3Location: {
          bucket: 'hello-fleet-artifacts-123456789012-us-east-1',
          key: 'blue-green/abc123.zip',
          bundleType: 'zip',
        },
      },
      targetInstances: {
        tagFilters: [{ Key: 'hello:engine', Value: 'fleet-green-abc123', Type: 'KEY_AND_VALUE' }],
      },
    });
    // The deployment is created only once every green instance passed its checks (the second read).
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(2);
    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(2);
    expect(ec2.commandCalls(CreateTagsCommand)[0]?.args[0].input).toEqual({
      Resources: GREEN,
      Tags: [
        { Key: 'hello:engine', Value: 'fleet' },
        { Key: 'Name', Value: 'fleet-standalone' },
      ],
    });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(result).toEqual({ dryRun: false, greenInstances: GREEN, deploymentId: 'd-GREEN' });
    expect(lines).toContain('[00:15] 3/3 green instance(s) pass their status checks');
    expect(lines.at(-1)).toMatch(/^\[00:30\] released: 3 instance\(s\) serve release abc123/);
  });

  it('CICD-5: a dry run reads the fleet and launches, uploads and deploys nothing', async () => {
    const result = await releaseFleet(deps(), options({ dryRun: true }));
    expect(result.dryRun).toBe(true);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(lines.join('\n')).toMatch(
      /would launch 3 green instance\(s\) tagged hello:engine=fleet-green-abc123 \(2 in subnet-a, 1 in subnet-b\)/,
    );
  });

  it('CICD-5: EC2 out of capacity: what was launched is terminated, nothing is deployed, the message says what to do', async () => {
    ec2
      .on(RunInstancesCommand, { SubnetId: 'subnet-b' })
      .rejects(awsError('InsufficientInstanceCapacity', 'no t4g.small in us-east-1b'));
    const error = await releaseFleet(deps(), options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetReleaseError);
    expect((error as Error).message).toMatch(
      /EC2 has no room for the green fleet \(InsufficientInstanceCapacity: no t4g.small in us-east-1b\): try another instance type/,
    );
    expect((error as Error).message).toMatch(/i-g1, i-g2 were terminated; the blue fleet is untouched/);
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]?.args[0].input.InstanceIds).toEqual([
      'i-g1',
      'i-g2',
    ]);
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('CICD-5: green instances that never pass their checks are terminated before any deployment', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [status('i-g1'), status('i-g2', 'impaired'), status('i-g3', 'initializing')],
    });
    const error = await releaseFleet(deps(), options({ healthyTimeoutMs: 60_000 })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /did not pass their status checks within 1 min: i-g2 running, instance impaired, system impaired; i-g3 running, instance initializing/,
    );
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]?.args[0].input.InstanceIds).toEqual(GREEN);
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    // Polled until the deadline, not once.
    expect(ec2.commandCalls(DescribeInstanceStatusCommand).length).toBe(5);
  });

  it('CICD-5: a green instance that stops while booting fails the release at once', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [status('i-g1'), status('i-g2', 'initializing', 'terminated'), status('i-g3')],
    });
    const error = await releaseFleet(deps(), options()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/stopped before serving: i-g2 terminated/);
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(1);
  });

  it('CICD-5: a failed deployment (rolled back by CodeDeploy) terminates green and keeps blue, with the reason', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        status: 'Failed',
        errorInformation: { code: 'ALARM_ACTIVE', message: 'Hello-fleet-5xx fired' },
        rollbackInfo: { rollbackMessage: 'Rolled back by d-BACK' },
      },
    });
    const error = await releaseFleet(deps(), options()).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'deployment d-GREEN failed: ALARM_ACTIVE Hello-fleet-5xx fired (Rolled back by d-BACK); traffic stays on the blue fleet; the green instance(s) i-g1, i-g2, i-g3 were terminated; the blue fleet is untouched',
    );
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(TerminateInstancesCommand)[0]?.args[0].input.InstanceIds).toEqual(GREEN);
  });

  it('CICD-5: a deployment past its time is stopped with rollback, and green terminated', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'InProgress' } });
    codeDeploy.on(StopDeploymentCommand).resolves({});
    const error = await releaseFleet(deps(), options({ deploymentTimeoutMs: 60_000 })).catch(
      (e: unknown) => e,
    );
    expect(codeDeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-GREEN',
      autoRollbackEnabled: true,
    });
    expect((error as Error).message).toMatch(/did not finish within 1 min: stopped with rollback/);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it('CICD-5: when green cannot be terminated either, the message gives the command that does it', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Stopped' } });
    ec2.on(TerminateInstancesCommand).rejects(awsError('UnauthorizedOperation', 'not allowed'));
    const error = await releaseFleet(deps(), options()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /terminating the green instance\(s\) failed too \(UnauthorizedOperation: not allowed\): run aws ec2 terminate-instances --region us-east-1 --instance-ids i-g1 i-g2 i-g3$/,
    );
  });

  it('CICD-5: no launch template or no blue fleet: stops before launching anything, naming what to deploy', async () => {
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    await expect(releaseFleet(deps(), options())).rejects.toThrow(
      /no launch template tagged Name=Hello-Fleet-us-east-1\/Service\/LaunchTemplate\/Resource in us-east-1: deploy Hello-Fleet-us-east-1 first/,
    );
    ec2
      .on(DescribeLaunchTemplatesCommand)
      .resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LatestVersionNumber: 1 }] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(releaseFleet(deps(), options())).rejects.toThrow(
      /no running instance tagged hello:engine=fleet/,
    );
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('CICD-5: access denied on the upload stops before any launch', async () => {
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 'Access Denied'));
    await expect(releaseFleet(deps(), options())).rejects.toThrow(
      /uploading the revision to s3:\/\/hello-fleet-artifacts-123456789012-us-east-1\/blue-green\/abc123.zip failed \(AccessDenied: Access Denied\): the caller may not write there; nothing was launched/,
    );
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});
