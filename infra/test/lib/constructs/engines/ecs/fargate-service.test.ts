import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  duration,
  execForm,
  parseDockerfile,
  parseHealthcheck,
} from '../../../../../../deploy/test/support/dockerfile.ts';
import { DEFAULT_CONFIG } from '../../../../../config/index.ts';
import { estate } from '../../../../support/estate.ts';
import { only, props, resources } from '../../../stacks/ec2-template.ts';

const DOCKERFILE = fileURLToPath(new URL('../../../../../../deploy/container/Dockerfile', import.meta.url));
const [healthcheck] = parseDockerfile(readFileSync(DOCKERFILE, 'utf8')).filter(
  (i) => i.keyword === 'HEALTHCHECK',
);
const image = parseHealthcheck(healthcheck?.args ?? '');

/** The shallow check: answers 200 while the process serves, whatever the database does (SVC-2). */
const SHALLOW = '/health';

interface ContainerHealthCheck {
  readonly Command: string[];
  readonly Interval: number;
  readonly Timeout: number;
  readonly StartPeriod: number;
  readonly Retries: number;
}

/** Runs a health check command as ECS would inside the task, against a stand-in service on PORT. */
async function runCheck(command: readonly string[]): Promise<{ code: number | null; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(request.url === SHALLOW ? 200 : 503).end();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  try {
    const [kind, file = '', ...args] = command;
    expect(kind).toBe('CMD');
    const child = spawn(file === 'node' ? process.execPath : file, args, {
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((exited) => child.on('exit', exited));
    return { code, paths };
  } finally {
    server.close();
  }
}

describe.each(DEFAULT_CONFIG.engines.ecs.regions)('Hello-Ecs-%s', (region) => {
  const json = estate('lab').stack(`Hello-Ecs-${region}`).json;
  const [, task] = only(json, 'AWS::ECS::TaskDefinition');
  const [container] = props(task).ContainerDefinitions as { HealthCheck: ContainerHealthCheck }[];
  const check = container?.HealthCheck as ContainerHealthCheck;

  it("ECS-3: the task's health check is the image's HEALTHCHECK, command and timings (ECS ignores the image's)", () => {
    expect(healthcheck).toBeDefined();
    expect(check.Command).toEqual(['CMD', ...(execForm(image.command) ?? ['not the exec form'])]);
    const seconds = (option: string) => duration(image.options.get(option) ?? '') / 1000;
    expect([check.Interval, check.Timeout, check.StartPeriod, check.Retries]).toEqual([
      seconds('interval'),
      seconds('timeout'),
      seconds('start-period'),
      Number(image.options.get('retries')),
    ]);
  });

  it('ECS-3: the task health check asks /health only, so a database blip does not replace every task', async () => {
    const { code, paths } = await runCheck(check.Command);
    expect(paths).toEqual([SHALLOW]);
    expect(code).toBe(0);
  });

  it('ECS-3: both target groups check /health on the traffic port, healthy on 200 only', () => {
    const groups = resources(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(2);
    for (const [id, group] of groups) {
      expect(props(group), id).toMatchObject({ HealthCheckPath: SHALLOW, Matcher: { HttpCode: '200' } });
      expect(props(group).HealthCheckPort ?? 'traffic-port', id).toBe('traffic-port');
    }
  });
});
