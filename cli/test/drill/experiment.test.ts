import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  FisClient,
  FisServiceException,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROFILES } from '../../../infra/config/index.ts';
import { createApp } from '../../../service/src/app.ts';
import type { Store, StoredRecord } from '../../../service/src/store/store.ts';
import { startWebServer, type WebServer } from '../../../service/src/web.ts';
import { drillDesign, type PostureRow } from '../../dr-posture.ts';
import { readDrills } from '../../drill/log.ts';
import { DRILL, runDrill } from '../../drill.ts';
import { buffer } from '../lib/support.ts';

const REGION = 'us-east-1';
const ALARM = `arn:aws:cloudwatch:${REGION}:111111111111:alarm:Hello-Asg-us-east-1-Http5xx`;
const template = (id: string, scenario: string, app = 'Hello') => ({
  id,
  description: `the ${scenario} game day`,
  tags: { app, scenario },
});
const AZ_ROW: PostureRow = {
  scenario: 'an AZ (us-east-1)',
  rpo: { kind: 'seconds', seconds: 0, bound: '=' },
  rto: { kind: 'seconds', seconds: 60, bound: '≤' },
  from: [],
  notes: [],
};

const fisClient = new FisClient({ region: REGION });
const cloudWatchClient = new CloudWatchClient({ region: REGION });
// The FIS client's version predates the SDK types aws-sdk-client-mock is built on: its stub and commands
// are typed loosely here (the calls and answers are the same).
let fis: ReturnType<typeof mockClient>;
interface Behaviour {
  callsFake(fake: (input: object) => object): Behaviour;
  resolves(output: object): Behaviour;
  resolvesOnce(output: object): Behaviour;
  rejects(error: Error): Behaviour;
}
const on = (command: unknown, input?: object) =>
  fis.on(command as never, input as never) as unknown as Behaviour;
const calls = (command: unknown) => fis.commandCalls(command as never);
let cloudWatch: AwsClientStub<CloudWatchClient>;
let server: WebServer;
let url: URL;
let dir: string;

// A real copy of the service with an in-memory store: the drill's watch and writes go to it over HTTP.
beforeAll(async () => {
  const records = new Map<string, StoredRecord>();
  const store: Store = {
    put: async (id, json) => {
      const record = { id, json, createdAt: new Date().toISOString() };
      records.set(id, record);
      return record;
    },
    get: async (id) => records.get(id),
    list: async () => [...records.values()],
    ping: async () => {},
    close: async () => {},
  };
  const app = createApp({
    settings: {
      servedBy: { version: '1.0.0', region: REGION, engine: 'asg', colour: 'blue', instance: 'i-test' },
      faultMode: undefined,
      failureRate: 0,
    },
    store: async () => store,
    log: () => {},
  });
  server = await startWebServer(app, { port: 0, hostname: '127.0.0.1' });
  url = new URL(`http://127.0.0.1:${server.port}/`);
});
afterAll(async () => {
  await server.drain();
});

beforeEach(() => {
  fis = mockClient(fisClient as never);
  cloudWatch = mockClient(cloudWatchClient);
  dir = mkdtempSync(join(tmpdir(), 'drill-log-'));
  on(ListExperimentTemplatesCommand).resolves({
    experimentTemplates: [
      template('EXT-other-app', 'az-power', 'Other'),
      template('EXT-az', 'az-power'),
      template('EXT-aurora', 'aurora-failover'),
      template('EXT-asg', 'asg-capacity'),
    ],
  });
  on(StartExperimentCommand).resolves({ experiment: { id: 'EXP1', state: { status: 'initiating' } } });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const out = buffer();
  const err = buffer();
  const code = await DRILL.run(
    [
      ...argv,
      '--url',
      url.href,
      '--rate',
      '50',
      '--write-rate',
      '20',
      '--settle',
      '0.3',
      '--log',
      join(dir, 'drills.jsonl'),
    ],
    (args, context) =>
      runDrill(
        args,
        {
          clients: { fis: fisClient, cloudWatch: cloudWatchClient },
          design: drillDesign(args.scenario, [AZ_ROW]),
          tag: { key: 'app', value: 'Hello' },
          region: REGION,
          url,
          pollMs: 100,
        },
        context,
      ),
    { stdout: out, stderr: err },
  );
  return { code, out: out.text(), err: err.text(), log: () => readDrills(join(dir, 'drills.jsonl')) };
}

/** The experiment runs for `polls` polls, then ends as `end`. */
function experimentEnds(polls: number, end: object) {
  const running = {
    experiment: {
      id: 'EXP1',
      state: { status: 'running' },
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: ALARM }],
    },
  };
  const stub = on(GetExperimentCommand, { id: 'EXP1' });
  for (let i = 0; i < polls; i++) stub.resolvesOnce(running);
  stub.resolves({ experiment: { ...running.experiment, ...end } });
}

describe('npm run drill', () => {
  it('OPS-1: without --yes it finds the template by the estate tag and the scenario, prints the plan, and starts nothing', async () => {
    const { code, out } = await run(['az-power']);
    expect(code).toBe(0);
    expect(out).toContain('experiment template EXT-az');
    expect(out).toContain('fis:StartExperiment {"experimentTemplateId":"EXT-az"');
    expect(out).toContain('designed RTO ≤ 1 min, RPO 0');
    expect(out).toContain('Dry run: nothing started');
    expect(calls(StartExperimentCommand)).toHaveLength(0);
  });

  it('OPS-1: a scenario the region has no template for is refused with what to do, nothing started', async () => {
    const { code, err } = await run(['ecs-task-stop', '--yes']);
    expect(code).toBe(1);
    expect(err).toContain('no experiment template tagged app=Hello and scenario=ecs-task-stop in us-east-1');
    expect(err).toContain('features.drills');
    expect(calls(StartExperimentCommand)).toHaveLength(0);
  });

  it('OPS-1: a completed experiment is logged with the measured recovery beside the designed figures, and the writes read back', async () => {
    experimentEnds(3, { state: { status: 'completed' } });
    const { code, out, log } = await run(['aurora-failover', '--yes']);
    expect(code).toBe(0);
    const start = calls(StartExperimentCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ experimentTemplateId: 'EXT-aurora', tags: { drill: start?.clientToken } });
    expect(out).toMatch(/experiment EXP1 completed/);
    expect(out).toMatch(/RTO\s+≤ 1 min\s+0\.0 s/);
    const [entry] = log();
    expect(entry).toMatchObject({
      scenario: 'aurora-failover',
      outcome: 'completed',
      errors: 0,
      rtoMs: 0,
      versions: { '1.0.0': entry?.requests },
      regions: { [REGION]: entry?.requests },
      designed: { rto: '≤ 1 min', rpo: '0' },
    });
    expect(entry?.requests).toBeGreaterThan(0);
    expect(entry?.writes?.acknowledged).toBeGreaterThan(0);
    expect(entry?.writes).toMatchObject({ lost: 0, unverified: 0, rpoMs: 0 });
  });

  it('OPS-1: an experiment stopped by its stop condition names the alarm that fired, is logged, and exits 1', async () => {
    experimentEnds(1, { state: { status: 'stopped', reason: 'Experiment stopped by stop condition.' } });
    cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNames: ['Hello-Asg-us-east-1-Http5xx'], StateValue: 'ALARM' })
      .resolves({ MetricAlarms: [{ AlarmName: 'Hello-Asg-us-east-1-Http5xx', StateValue: 'ALARM' }] });
    const { code, out, log } = await run(['az-power', '--yes']);
    expect(code).toBe(1);
    expect(out).toContain('experiment EXP1 stopped by its alarm Hello-Asg-us-east-1-Http5xx');
    expect(log()[0]).toMatchObject({ outcome: 'stopped', stoppedBy: ['Hello-Asg-us-east-1-Http5xx'] });
  });

  it('OPS-1: a failed experiment is reported with its reason and logged as failed', async () => {
    experimentEnds(0, { state: { status: 'failed', reason: 'Target resolution returned empty set.' } });
    const { code, out, log } = await run(['az-power', '--yes']);
    expect(code).toBe(1);
    expect(out).toContain('experiment EXP1 failed (Target resolution returned empty set.)');
    expect(log()[0]).toMatchObject({ outcome: 'failed', stoppedBy: [] });
  });

  it('OPS-1: a refused start names the permission, logs nothing, and exits 1', async () => {
    on(StartExperimentCommand).rejects(
      new FisServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized to perform: fis:StartExperiment',
      }),
    );
    const { code, err, log } = await run(['az-power', '--yes']);
    expect(code).toBe(1);
    expect(err).toContain(
      'fis:StartExperiment was refused (AccessDeniedException): the caller needs fis:StartExperiment',
    );
    expect(log()).toEqual([]);
    expect(calls(GetExperimentCommand)).toHaveLength(0);
  });

  it('OPS-1: a refused listing of the templates is named too', async () => {
    on(ListExperimentTemplatesCommand).rejects(
      new FisServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'denied',
      }),
    );
    const { code, err } = await run(['az-power']);
    expect(code).toBe(1);
    expect(err).toContain('fis:ListExperimentTemplates was refused (AccessDeniedException)');
  });
});

it('OPS-1: the drill log file holds one JSON line per drill', async () => {
  experimentEnds(0, { state: { status: 'completed' } });
  await run(['asg-capacity', '--yes']);
  await run(['asg-capacity', '--yes']);
  const lines = readFileSync(join(dir, 'drills.jsonl'), 'utf8').trim().split('\n');
  expect(lines.map((l) => JSON.parse(l).scenario)).toEqual(['asg-capacity', 'asg-capacity']);
});

describe('npm run drill region-dns', () => {
  const OTHER = 'eu-central-1';
  const CANARY = `arn:aws:cloudwatch:${REGION}:111111111111:alarm:Hello-user-path-${REGION}`;
  // Two regions' copies of the service behind a local stand-in for DNS: each request goes, round robin,
  // to a region in the answers; the experiment's first poll takes REGION out, its last puts it back.
  const inDns = new Set([REGION, OTHER]);
  const schedule: { out?: number; back?: number } = {};
  let router: Server;
  let routed: URL;
  const copy = (region: string) =>
    createApp({
      settings: {
        servedBy: { version: '1.0.0', region, engine: 'asg', colour: 'blue', instance: 'i-test' },
        faultMode: undefined,
        failureRate: 0,
      },
      store: () => Promise.reject(new Error('no store in this test')),
      log: () => {},
    });
  const copies = new Map([
    [REGION, copy(REGION)],
    [OTHER, copy(OTHER)],
  ]);
  let turn = 0;

  beforeAll(async () => {
    router = createServer((request, response) => {
      const regions = [...inDns];
      const app = copies.get(regions[turn++ % regions.length] ?? OTHER);
      void Promise.resolve(app?.request(request.url ?? '/')).then(async (answer) => {
        response.writeHead(answer?.status ?? 502, Object.fromEntries(answer?.headers ?? []));
        response.end(Buffer.from((await answer?.arrayBuffer()) ?? new ArrayBuffer(0)));
      });
    });
    await new Promise<void>((done) => router.listen(0, '127.0.0.1', done));
    const address = router.address();
    routed = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
  });
  afterAll(() => new Promise<void>((done) => router.close(() => done())));

  /** The experiment drains REGION from its first poll until its last, `polls` polls later. */
  function drains(polls: number, end: object) {
    let poll = 0;
    const running = {
      id: 'EXP1',
      state: { status: 'running' },
      stopConditions: [{ source: 'aws:cloudwatch:alarm', value: CANARY }],
    };
    on(GetExperimentCommand, { id: 'EXP1' }).callsFake(() => {
      poll += 1;
      if (poll === 1) {
        inDns.delete(REGION);
        schedule.out = Date.now();
      }
      if (poll < polls) return { experiment: running };
      inDns.add(REGION);
      schedule.back = Date.now();
      return { experiment: { ...running, ...end } };
    });
  }

  const runDns = (argv: string[]) => {
    const out = buffer();
    const err = buffer();
    const log = join(dir, 'drills.jsonl');
    return DRILL.run(
      ['region-dns', ...argv, '--url', routed.href, '--rate', '50', '--settle', '0.3', '--log', log],
      (args, context) =>
        runDrill(
          args,
          {
            clients: { fis: fisClient, cloudWatch: cloudWatchClient },
            design: drillDesign(args.scenario, [], PROFILES.production),
            tag: { key: 'app', value: 'Hello' },
            region: REGION,
            url: routed,
            pollMs: 100,
          },
          context,
        ),
      { stdout: out, stderr: err },
    ).then((code) => ({ code, out: out.text(), err: err.text(), log: () => readDrills(log) }));
  };

  beforeEach(() => {
    on(ListExperimentTemplatesCommand).resolves({
      experimentTemplates: [template('EXT-dns', 'region-dns')],
    });
  });

  it("OPS-1: the drill sees the region's answers leave the public name and come back, and logs when and for how long", async () => {
    drains(10, { state: { status: 'completed' } });
    const { code, out, log } = await runDns(['--yes']);
    expect(code).toBe(0);
    expect(calls(StartExperimentCommand)[0]?.args[0].input).toMatchObject({
      experimentTemplateId: 'EXT-dns',
    });
    const [entry] = log();
    expect(entry?.dns?.back).toBe(true);
    expect(entry?.errors).toBe(0);
    const expected = (schedule.back ?? 0) - (schedule.out ?? 0);
    // Within two of the watch's request intervals per region (50 req/s over two regions) and a poll.
    expect(Math.abs((entry?.dns?.outMs ?? 0) - expected)).toBeLessThan(250);
    expect(entry?.dns?.leftAfterMs).toBeLessThan(expected);
    expect(entry?.rtoMs).toBe(entry?.dns?.leftAfterMs);
    expect(entry?.regions[REGION]).toBeGreaterThan(0);
    expect(entry?.regions[OTHER]).toBeGreaterThan(entry?.regions[REGION] ?? 0);
    expect(entry?.designed.rto).toBe('≤ 30 s');
    expect(out).toMatch(
      new RegExp(
        `DNS\\s+out within ≤ 30 s\\s+${REGION} out of the answers after \\d+\\.\\d s, for \\d+\\.\\d s`,
      ),
    );
  });

  it('OPS-1: without --yes the plan says the region must leave the public name within the designed time', async () => {
    const { code, out } = await runDns([]);
    expect(code).toBe(0);
    expect(out).toContain(
      `the answers of ${REGION} must leave ${routed.host} (designed: within ≤ 30 s) and come back`,
    );
    expect(calls(StartExperimentCommand)).toHaveLength(0);
  });

  it("OPS-1: stopped by the region's canary alarm, the drill names it, logs it and exits 1", async () => {
    drains(3, { state: { status: 'stopped', reason: 'Experiment stopped by stop condition.' } });
    cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNames: [`Hello-user-path-${REGION}`], StateValue: 'ALARM' })
      .resolves({ MetricAlarms: [{ AlarmName: `Hello-user-path-${REGION}`, StateValue: 'ALARM' }] });
    const { code, out, log } = await runDns(['--yes']);
    expect(code).toBe(1);
    expect(out).toContain(`stopped by its alarm Hello-user-path-${REGION}`);
    expect(log()[0]).toMatchObject({ outcome: 'stopped', stoppedBy: [`Hello-user-path-${REGION}`] });
  });
});
