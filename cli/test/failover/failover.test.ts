import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../infra/config/index.ts';
import { FAILOVER, runFailover } from '../../failover.ts';
import { buffer } from '../lib/support.ts';

const HOME = 'us-east-1';
const SECOND = 'eu-central-1';
const ACCOUNT = '111111111111';
const arn = (region: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:hello-${region}`;
const writer = (region: string) => `hello-${region}.cluster-abc.${region}.rds.amazonaws.com`;
const reader = (region: string) => `hello-${region}.cluster-ro-abc.${region}.rds.amazonaws.com`;
const parameter = (region: string) => `/hello/${region}/database/endpoint`;
const global = (primary: string, failoverState?: object) => ({
  GlobalClusters: [
    {
      GlobalClusterIdentifier: 'hello-global',
      Status: 'available',
      ...(failoverState === undefined ? {} : { FailoverState: failoverState }),
      GlobalClusterMembers: [HOME, SECOND].map((r) => ({ DBClusterArn: arn(r), IsWriter: r === primary })),
    },
  ],
});

let rds: Record<string, AwsClientStub<RDSClient>>;
let ssm: Record<string, AwsClientStub<SSMClient>>;
let cloudWatch: Record<string, AwsClientStub<CloudWatchClient>>;
const instances = {
  rds: Object.fromEntries([HOME, SECOND].map((r) => [r, new RDSClient({ region: r })])),
  ssm: Object.fromEntries([HOME, SECOND].map((r) => [r, new SSMClient({ region: r })])),
  cloudWatch: Object.fromEntries([HOME, SECOND].map((r) => [r, new CloudWatchClient({ region: r })])),
};
const clients = {
  rds: (r: string) => instances.rds[r] as RDSClient,
  ssm: (r: string) => instances.ssm[r] as SSMClient,
  cloudWatch: (r: string) => instances.cloudWatch[r] as CloudWatchClient,
};

beforeEach(() => {
  const stubs = <T>(of: Record<string, T>) =>
    Object.fromEntries(Object.entries(of).map(([r, c]) => [r, mockClient(c as never)]));
  rds = stubs(instances.rds) as typeof rds;
  ssm = stubs(instances.ssm) as typeof ssm;
  cloudWatch = stubs(instances.cloudWatch) as typeof cloudWatch;
  for (const r of [HOME, SECOND])
    rds[r]?.on(DescribeDBClustersCommand, { DBClusterIdentifier: arn(r) }).resolves({
      DBClusters: [{ Endpoint: writer(r), ReaderEndpoint: reader(r) }],
    });
});

/** The target's lag over the last five minutes, in ms. */
function lag(ms: number[]) {
  cloudWatch[SECOND]?.on(GetMetricStatisticsCommand).resolves({
    Datapoints: ms.map((m, i) => ({ Maximum: m, Timestamp: new Date(Date.UTC(2026, 2, 2, 10, i)) })),
  });
}

/** Runs the command with a clock that advances by each sleep. */
async function run(argv: string[]) {
  const out = buffer();
  const err = buffer();
  let now = Date.UTC(2026, 2, 2, 10, 5);
  const code = await FAILOVER.run(
    argv,
    (args, context) =>
      runFailover(args, DEFAULT_CONFIG, clients, context, {
        now: () => new Date(now),
        sleep: async (ms) => {
          now += ms;
        },
      }),
    { stdout: out, stderr: err },
  );
  return { code, out: out.text(), err: err.text() };
}

const changing = () => [
  ...(rds[SECOND]?.commandCalls(SwitchoverGlobalClusterCommand) ?? []),
  ...(rds[SECOND]?.commandCalls(FailoverGlobalClusterCommand) ?? []),
  ...(rds[HOME]?.commandCalls(SwitchoverGlobalClusterCommand) ?? []),
  ...(rds[HOME]?.commandCalls(FailoverGlobalClusterCommand) ?? []),
];

describe('npm run failover', () => {
  it("DR-2: a planned switchover calls SwitchoverGlobalCluster on the target, waits for it to write, and checks that every region's engines follow", async () => {
    lag([300, 120]);
    rds[SECOND]
      ?.on(DescribeGlobalClustersCommand)
      .resolvesOnce(global(HOME))
      // The roles have swapped but the operation has not finished: not done yet.
      .resolvesOnce(
        global(SECOND, {
          Status: 'switching-over',
          FromDbClusterArn: arn(HOME),
          ToDbClusterArn: arn(SECOND),
        }),
      )
      .resolves(global(SECOND));
    rds[SECOND]?.on(SwitchoverGlobalClusterCommand).resolves({});
    // The endpoint function rewrites the parameters a little after the roles change.
    ssm[SECOND]
      ?.on(GetParameterCommand, { Name: parameter(SECOND) })
      .resolvesOnce({ Parameter: { Value: reader(SECOND) } })
      .resolves({ Parameter: { Value: writer(SECOND) } });
    ssm[HOME]
      ?.on(GetParameterCommand, { Name: parameter(HOME) })
      .resolves({ Parameter: { Value: reader(HOME) } });

    const { code, out, err } = await run(['--to', SECOND, '--planned', '--yes']);
    expect(err).not.toMatch(/failed/);
    expect(code).toBe(0);
    expect(rds[SECOND]?.commandCalls(SwitchoverGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([
      { GlobalClusterIdentifier: 'hello-global', TargetDbClusterIdentifier: arn(SECOND) },
    ]);
    expect(changing()).toHaveLength(1);
    // Waited through the switching-over state before looking at the endpoints.
    expect(rds[SECOND]?.commandCalls(DescribeGlobalClustersCommand)).toHaveLength(3);
    expect(ssm[SECOND]?.commandCalls(GetParameterCommand).length).toBeGreaterThanOrEqual(2);
    expect(out).toMatch(new RegExp(`${SECOND} +primary +follows +${writer(SECOND).replaceAll('.', '\\.')}`));
    expect(out).toMatch(new RegExp(`${HOME} +secondary +follows +${reader(HOME).replaceAll('.', '\\.')}`));
    expect(out).toContain('data-loss window: none');
    expect(out).toMatch(/steps:\n +\d+\.\d s +reading global database hello-global from eu-central-1\n/);
    expect(out).toMatch(
      / s +switchover to eu-central-1 \(rds:SwitchoverGlobalCluster\)\n +\d+\.\d s +waiting for eu-central-1 to be the writer/,
    );
    expect(err).toMatch(/\[ +\d+\.\d s\] waiting for every region's endpoint parameter to follow: done in/);
  });

  it('DR-2: without --yes it only reads and prints the exact call', async () => {
    lag([200]);
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolves(global(HOME));
    for (const r of [HOME, SECOND]) ssm[r]?.on(GetParameterCommand).resolves({ Parameter: { Value: 'x' } });
    const { code, out } = await run(['--to', SECOND]);
    expect(code).toBe(0);
    expect(changing()).toHaveLength(0);
    expect(out).toContain(
      `would call rds:FailoverGlobalCluster in ${SECOND}: {"GlobalClusterIdentifier":"hello-global","TargetDbClusterIdentifier":"${arn(SECOND)}","AllowDataLoss":true}`,
    );
  });

  it('DR-2: an unplanned failover with a lag above the designed RPO is refused, naming the lag and --allow-data-loss', async () => {
    lag([250, 4000, 900]);
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolves(global(HOME));
    const { code, err } = await run(['--to', SECOND, '--yes']);
    expect(code).toBe(1);
    expect(changing()).toHaveLength(0);
    expect(err).toMatch(
      /refusing to fail over: the lag of eu-central-1 is 4000 ms .*above the designed RPO of 1000 ms.*--allow-data-loss/,
    );
  });

  it('DR-2: an unknown lag is refused too; no lag datapoint is not "no lag"', async () => {
    lag([]);
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolves(global(HOME));
    const { code, err } = await run(['--to', SECOND, '--yes']);
    expect(code).toBe(1);
    expect(changing()).toHaveLength(0);
    expect(err).toMatch(/lag of eu-central-1 is unknown/);
  });

  it('DR-2: --allow-data-loss fails over, reports the data-loss window, and leaves the lost region to follow when it is back', async () => {
    lag([4000]);
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolvesOnce(global(HOME)).resolves(global(SECOND));
    rds[SECOND]?.on(FailoverGlobalClusterCommand).resolves({});
    rds[HOME]
      ?.on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    ssm[SECOND]?.on(GetParameterCommand).resolves({ Parameter: { Value: writer(SECOND) } });
    const { code, out, err } = await run(['--to', SECOND, '--allow-data-loss', '--yes']);
    expect(code).toBe(0);
    expect(rds[SECOND]?.commandCalls(FailoverGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([
      {
        GlobalClusterIdentifier: 'hello-global',
        TargetDbClusterIdentifier: arn(SECOND),
        AllowDataLoss: true,
      },
    ]);
    expect(out).toContain('data-loss window: up to 4000 ms of writes');
    expect(out).toMatch(/us-east-1 +secondary +not verified/);
    expect(out).toContain('The old primary rejoins as a secondary');
    expect(err).toMatch(/us-east-1: not verified .*written when it answers again/);
  });

  it('DR-2: engines that never follow fail the command with the regions and the values they still read', async () => {
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolvesOnce(global(HOME)).resolves(global(SECOND));
    rds[SECOND]?.on(SwitchoverGlobalClusterCommand).resolves({});
    lag([10]);
    ssm[SECOND]?.on(GetParameterCommand).resolves({ Parameter: { Value: reader(SECOND) } });
    ssm[HOME]?.on(GetParameterCommand).resolves({ Parameter: { Value: reader(HOME) } });
    const { code, err } = await run(['--to', SECOND, '--planned', '--yes', '--timeout', '60']);
    expect(code).toBe(1);
    expect(err).toContain(
      `the engines of ${SECOND} (${reader(SECOND)}, expected ${writer(SECOND)}) still read the old endpoint`,
    );
  });

  it('DR-2: no such global database, a target that is no member, and a target already primary are told apart', async () => {
    rds[SECOND]
      ?.on(DescribeGlobalClustersCommand)
      .rejectsOnce(new GlobalClusterNotFoundFault({ message: 'not found', $metadata: {} }))
      .resolvesOnce({
        GlobalClusters: [{ GlobalClusterMembers: [{ DBClusterArn: arn(HOME), IsWriter: true }] }],
      })
      .resolves(global(SECOND));
    for (const r of [HOME, SECOND]) ssm[r]?.on(GetParameterCommand).resolves({ Parameter: { Value: 'x' } });
    const missing = await run(['--to', SECOND, '--planned', '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no global database hello-global seen from eu-central-1');
    const notMember = await run(['--to', SECOND, '--planned', '--yes']);
    expect(notMember.code).toBe(1);
    expect(notMember.err).toContain(
      'eu-central-1 holds no cluster of hello-global; its members: us-east-1 (primary)',
    );
    const already = await run(['--to', SECOND, '--planned', '--yes']);
    expect(already.code).toBe(0);
    expect(already.err).toContain('eu-central-1 is already the primary');
    expect(changing()).toHaveLength(0);
    const notConfigured = await run(['--to', 'ap-southeast-2', '--planned']);
    expect(notConfigured.code).toBe(2);
    expect(notConfigured.err).toContain(
      "not a region of the global database; the config's: us-east-1, eu-central-1",
    );
  });

  it('DR-2: a refused switchover names the permission the credentials lack', async () => {
    lag([10]);
    rds[SECOND]?.on(DescribeGlobalClustersCommand).resolves(global(HOME));
    rds[SECOND]?.on(SwitchoverGlobalClusterCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: rds:SwitchoverGlobalCluster'), {
        name: 'AccessDenied',
      }),
    );
    const { code, err } = await run(['--to', SECOND, '--planned', '--yes']);
    expect(code).toBe(1);
    expect(err).toMatch(
      /access denied: rds:SwitchoverGlobalCluster in eu-central-1 was refused .*The credentials need rds:SwitchoverGlobalCluster/,
    );
  });

  it('DR-2: a switchover already under way is not started twice', async () => {
    rds[SECOND]
      ?.on(DescribeGlobalClustersCommand)
      .resolves(
        global(HOME, { Status: 'switching-over', FromDbClusterArn: arn(HOME), ToDbClusterArn: arn(SECOND) }),
      );
    const { code, err } = await run(['--to', SECOND, '--planned', '--yes']);
    expect(code).toBe(1);
    expect(changing()).toHaveLength(0);
    expect(err).toContain(
      'a switchover of hello-global is already switching-over (from us-east-1 to eu-central-1)',
    );
  });

  it('DR-2: the command line: --to is required, contradictions are refused', () => {
    expect(() => FAILOVER.parse([])).toThrow(/--to <region> is required/);
    expect(() =>
      FAILOVER.parse(['--to', SECOND, '--planned', '--allow-data-loss', '--yes', '--dry-run']),
    ).toThrow(/--yes and --dry-run contradict each other; --planned and --allow-data-loss contradict/);
  });
});
