import {
  CreateConfigurationTemplateCommand,
  CreateEnvironmentCommand,
  DeleteConfigurationTemplateCommand,
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentsCommand,
  ElasticBeanstalkClient,
  type EnvironmentDescription,
  SwapEnvironmentCNAMEsCommand,
  TerminateEnvironmentCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type SwapDeps, SwapError, type SwapOptions, swapEnvironment } from '../../beanstalk-swap/run.ts';

const eb = mockClient(ElasticBeanstalkClient);
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

const STACK_ENV = 'Hello-beanstalk';
const CLONE = 'Hello-beanstalk-g-v42';
const PROD = 'hello-eu-west-1.eu-west-1.elasticbeanstalk.com';
const SPARE = 'hello-beanstalk-g-v42.eu-west-1.elasticbeanstalk.com';

/**
 * A fake Beanstalk: environments by name whose CNAMEs really swap, each reporting the scripted
 * status/health sequence (the last one repeats), so the command sees what it would in the console.
 */
class FakeBeanstalk {
  cnames = new Map<string, string>([[STACK_ENV, PROD]]);
  versions = new Map<string, string>([[STACK_ENV, 'v41']]);
  script = new Map<string, Partial<EnvironmentDescription>[]>();
  terminated = new Set<string>();

  describe(name: string): EnvironmentDescription | undefined {
    if (!this.cnames.has(name)) return undefined;
    const steps = this.script.get(name) ?? [];
    const step = steps.length > 1 ? steps.shift() : steps[0];
    return {
      EnvironmentName: name,
      EnvironmentId: `e-${name}`,
      CNAME: this.cnames.get(name),
      VersionLabel: this.versions.get(name),
      Status: this.terminated.has(name) ? 'Terminated' : 'Ready',
      Health: 'Green',
      HealthStatus: 'Ok',
      ...step,
    };
  }
}

let fake: FakeBeanstalk;
let clock = 0;
let lines: string[] = [];
let requests: string[] = [];
let answers: Record<string, { status: number; body: string }> = {};

const deps = (): SwapDeps => ({
  beanstalk: new ElasticBeanstalkClient({ region: 'eu-west-1' }),
  fetch: async (url) => {
    requests.push(url);
    const answer = answers[url] ?? { status: 200, body: url.endsWith('/info') ? '{"version":"v42"}' : 'ok' };
    return { status: answer.status, text: async () => answer.body };
  },
  log: (line) => lines.push(line),
  sleep: async (ms) => {
    clock += ms;
  },
  now: () => new Date(clock),
});
const options = (over: Partial<SwapOptions> = {}): SwapOptions => ({
  application: 'Hello-beanstalk',
  environment: STACK_ENV,
  versionLabel: 'v42',
  expectVersion: 'v42',
  dryRun: false,
  keepMs: 60_000,
  readyTimeoutMs: 10 * 60_000,
  pollMs: 15_000,
  ...over,
});
const calls = () =>
  eb.calls().map((c) => {
    const command = c.args[0] as unknown as { constructor: { name: string } };
    return command.constructor.name.replace(/Command$/, '');
  });
const mutations = () => calls().filter((name) => !name.startsWith('Describe'));

beforeEach(() => {
  eb.reset();
  fake = new FakeBeanstalk();
  clock = 0;
  lines = [];
  requests = [];
  answers = {};
  eb.on(DescribeEnvironmentsCommand).callsFake((input: { EnvironmentNames: string[] }) => {
    const env = fake.describe(input.EnvironmentNames[0] ?? '');
    return { Environments: env ? [env] : [] };
  });
  eb.on(DescribeApplicationVersionsCommand).resolves({
    ApplicationVersions: [{ VersionLabel: 'v42', Status: 'Processed' }],
  });
  eb.on(CreateConfigurationTemplateCommand).resolves({});
  eb.on(CreateEnvironmentCommand).callsFake((input: { EnvironmentName: string; VersionLabel: string }) => {
    fake.cnames.set(input.EnvironmentName, SPARE);
    fake.versions.set(input.EnvironmentName, input.VersionLabel);
    fake.script.set(input.EnvironmentName, [
      { Status: 'Launching', Health: 'Grey' },
      { Status: 'Ready', Health: 'Green' },
    ]);
    return {};
  });
  eb.on(SwapEnvironmentCNAMEsCommand).callsFake(
    (input: { SourceEnvironmentName: string; DestinationEnvironmentName: string }) => {
      const a = fake.cnames.get(input.SourceEnvironmentName) ?? '';
      const b = fake.cnames.get(input.DestinationEnvironmentName) ?? '';
      fake.cnames.set(input.SourceEnvironmentName, b);
      fake.cnames.set(input.DestinationEnvironmentName, a);
      return {};
    },
  );
  eb.on(UpdateEnvironmentCommand).callsFake((input: { EnvironmentName: string; VersionLabel: string }) => {
    fake.versions.set(input.EnvironmentName, input.VersionLabel);
    fake.script.set(input.EnvironmentName, [
      { Status: 'Updating', Health: 'Grey' },
      { Status: 'Ready', Health: 'Green' },
    ]);
    return {};
  });
  eb.on(TerminateEnvironmentCommand).callsFake((input: { EnvironmentName: string }) => {
    fake.terminated.add(input.EnvironmentName);
    return {};
  });
  eb.on(DeleteConfigurationTemplateCommand).resolves({});
});

describe('npm run beanstalk:swap', () => {
  it('EB-3: clones with the new version, checks it, swaps, then gives the stack environment the version and its CNAME back, and removes the clone', async () => {
    await swapEnvironment(deps(), options());
    expect(mutations()).toEqual([
      'CreateConfigurationTemplate',
      'CreateEnvironment',
      'SwapEnvironmentCNAMEs',
      'UpdateEnvironment',
      'SwapEnvironmentCNAMEs',
      'TerminateEnvironment',
      'DeleteConfigurationTemplate',
    ]);
    expect(eb.commandCalls(CreateConfigurationTemplateCommand)[0]?.args[0].input).toMatchObject({
      ApplicationName: 'Hello-beanstalk',
      EnvironmentId: `e-${STACK_ENV}`,
    });
    expect(eb.commandCalls(CreateEnvironmentCommand)[0]?.args[0].input).toMatchObject({
      EnvironmentName: CLONE,
      TemplateName: `${CLONE}-swap`,
      VersionLabel: 'v42',
    });
    // No drift: the stack's environment ends on the production CNAME, with the version; the clone is gone.
    expect(fake.cnames.get(STACK_ENV)).toBe(PROD);
    expect(fake.versions.get(STACK_ENV)).toBe('v42');
    expect(fake.terminated).toEqual(new Set([CLONE]));
    // Each environment was checked through its own CNAME before it took production traffic.
    expect(requests).toEqual([
      `http://${SPARE}/health`,
      `http://${SPARE}/info`,
      `http://${SPARE}/health`,
      `http://${SPARE}/info`,
    ]);
    const swapIndex = eb.calls().findIndex((c) => c.args[0] instanceof SwapEnvironmentCNAMEsCommand);
    const updateIndex = eb.calls().findIndex((c) => c.args[0] instanceof UpdateEnvironmentCommand);
    expect(swapIndex).toBeLessThan(updateIndex);
    expect(lines.join('\n')).toMatch(
      /^\[\d\d:\d\d\] Hello-beanstalk-g-v42 serves hello-eu-west-1\S+; Hello-beanstalk \(v41\) is the rollback for 1 min$/m,
    );
    expect(lines.at(-1)).toMatch(/released: Hello-beanstalk serves v42 on hello-eu-west-1/);
  });

  it('EB-3: the old version stays swappable for the keep time: the stack environment is only updated after it', async () => {
    await swapEnvironment(deps(), options({ keepMs: 5 * 60_000 }));
    const keepLine = lines.findIndex((l) => l.includes('is the rollback for 5 min'));
    const updateLine = lines.findIndex((l) => l.includes(`updating ${STACK_ENV} to v42`));
    const stamp = (i: number) => {
      const [, mm, ss] = /^\[(\d\d):(\d\d)\]/.exec(lines[i] ?? '') ?? [];
      return Number(mm) * 60 + Number(ss);
    };
    expect(stamp(updateLine) - stamp(keepLine)).toBeGreaterThanOrEqual(300);
  });

  it('EB-3: a clone that turns Red is terminated and nothing is swapped', async () => {
    eb.on(CreateEnvironmentCommand).callsFake((input: { EnvironmentName: string }) => {
      fake.cnames.set(input.EnvironmentName, SPARE);
      fake.script.set(input.EnvironmentName, [
        { Status: 'Launching', Health: 'Grey' },
        { Status: 'Ready', Health: 'Red', HealthStatus: 'Severe' },
      ]);
      return {};
    });
    const error = await swapEnvironment(deps(), options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwapError);
    expect((error as Error).message).toBe(
      `${CLONE} is Ready but Red (Severe); ${CLONE} terminated; nothing was swapped, ${STACK_ENV} still serves ${PROD}`,
    );
    expect(mutations()).toEqual([
      'CreateConfigurationTemplate',
      'CreateEnvironment',
      'TerminateEnvironment',
      'DeleteConfigurationTemplate',
    ]);
    expect(fake.cnames.get(STACK_ENV)).toBe(PROD);
  });

  it('EB-3: a clone that is Green but does not serve /info with the version is terminated before any swap', async () => {
    answers[`http://${SPARE}/info`] = { status: 200, body: '{"version":"v41"}' };
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      `${CLONE}: /info reports version v41, expected v42; ${CLONE} terminated; nothing was swapped`,
    );
    answers[`http://${SPARE}/health`] = { status: 503, body: '' };
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      `GET http://${SPARE}/health answered 503`,
    );
    expect(eb.commandCalls(SwapEnvironmentCNAMEsCommand)).toHaveLength(0);
  });

  it('EB-3: a refused swap removes the clone and leaves production where it was', async () => {
    eb.on(SwapEnvironmentCNAMEsCommand).rejects(
      awsError('InvalidParameterValue', 'environments are not in the same state'),
    );
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      `swapping CNAMEs failed (InvalidParameterValue: environments are not in the same state); ${CLONE} terminated`,
    );
    expect(fake.cnames.get(STACK_ENV)).toBe(PROD);
    expect(fake.terminated.has(CLONE)).toBe(true);
  });

  it('EB-3: a clone that turns Red while serving is swapped back at once and removed', async () => {
    eb.on(SwapEnvironmentCNAMEsCommand).callsFake(
      (input: { SourceEnvironmentName: string; DestinationEnvironmentName: string }) => {
        const a = fake.cnames.get(input.SourceEnvironmentName) ?? '';
        fake.cnames.set(input.SourceEnvironmentName, fake.cnames.get(input.DestinationEnvironmentName) ?? '');
        fake.cnames.set(input.DestinationEnvironmentName, a);
        if (fake.cnames.get(CLONE) === PROD)
          fake.script.set(CLONE, [
            { Status: 'Ready' },
            { Status: 'Ready' },
            { Health: 'Red', HealthStatus: 'Degraded' },
          ]);
        return {};
      },
    );
    await expect(swapEnvironment(deps(), options({ keepMs: 10 * 60_000 }))).rejects.toThrow(
      `${CLONE} turned Red (Degraded) while serving: swapped back, ${STACK_ENV} serves v41 again; ${CLONE} terminated`,
    );
    expect(fake.cnames.get(STACK_ENV)).toBe(PROD);
    expect(eb.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });

  it('EB-3: access denied on the clone stops before anything exists, with what is missing', async () => {
    eb.on(CreateEnvironmentCommand).rejects(
      awsError('AccessDenied', 'User is not authorized to perform: elasticbeanstalk:CreateEnvironment'),
    );
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      /cloning Hello-beanstalk failed \(AccessDenied: User is not authorized .*\): the caller lacks Beanstalk rights .*; nothing was swapped/,
    );
    expect(mutations()).toEqual([
      'CreateConfigurationTemplate',
      'CreateEnvironment',
      'DeleteConfigurationTemplate',
    ]);
  });

  it('EB-3: a dry run, a missing version or a busy environment changes nothing', async () => {
    await swapEnvironment(deps(), options({ dryRun: true }));
    expect(mutations()).toEqual([]);
    expect(lines.join('\n')).toMatch(/would clone Hello-beanstalk into Hello-beanstalk-g-v42 running v42/);
    eb.on(DescribeApplicationVersionsCommand).resolves({ ApplicationVersions: [] });
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      /no application version v42 in Hello-beanstalk/,
    );
    fake.script.set(STACK_ENV, [{ Status: 'Updating' }]);
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      /Hello-beanstalk is Updating, not Ready/,
    );
    expect(mutations()).toEqual([]);
  });

  it('EB-3: when the stack environment cannot take the version, the message says production is on the clone and how to return', async () => {
    eb.on(UpdateEnvironmentCommand).callsFake((input: { EnvironmentName: string }) => {
      fake.script.set(input.EnvironmentName, [
        { Status: 'Updating' },
        { Status: 'Ready', Health: 'Red', HealthStatus: 'Severe' },
      ]);
      return {};
    });
    await expect(swapEnvironment(deps(), options())).rejects.toThrow(
      `${STACK_ENV} is Ready but Red (Severe); production stays on ${CLONE} (v42), which is not the stack's environment: fix ${STACK_ENV}, then run aws elasticbeanstalk swap-environment-cnames --source-environment-name ${CLONE} --destination-environment-name ${STACK_ENV}, and terminate ${CLONE}`,
    );
    expect(fake.terminated.size).toBe(0);
  });
});
