import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import Module, { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { repositoryRoot } from './sandbox.ts';

/** The canary script, as its asset ships it (one file, no node_modules beside it). */
export const CANARY_SCRIPT = join(repositoryRoot, 'deploy', 'canary', 'index.js');

/** One step of a canary run, as the Synthetics report lists it. */
export interface StepResult {
  readonly name: string;
  readonly status: 'passed' | 'failed';
  readonly error?: string;
}

/** Node request options plus the `body` the runtime's executeHttpStep writes. */
type HttpStepOptions = http.RequestOptions & { body?: string };

/**
 * A stand-in for the `synthetics` object of `@aws/synthetics-core` (syn-nodejs-4.x), doing what the
 * runtime does for a script: executeHttpStep sends the request (with `body`), hands the response to
 * the callback and fails the step, and with it the run, when the request or the callback fails.
 */
export class SyntheticsStandIn {
  readonly steps: StepResult[] = [];

  constructor(private readonly canaryName: string) {}

  getCanaryName(): string {
    return this.canaryName;
  }

  getCanaryUserAgentString(): string {
    return 'CloudWatchSynthetics/stand-in';
  }

  async executeHttpStep(
    name: string,
    options: HttpStepOptions,
    callback?: (response: IncomingMessage) => Promise<void>,
  ): Promise<void> {
    try {
      const { body, ...requestOptions } = options;
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const send = requestOptions.protocol === 'https:' ? https.request : http.request;
        const req = send({ ...requestOptions, timeout: 10_000 }, resolve);
        req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
        req.on('error', reject);
        req.end(body);
      });
      await callback?.(response);
      response.resume();
      this.steps.push({ name, status: 'passed' });
    } catch (error) {
      const message = (error as Error).message || String(error);
      this.steps.push({ name, status: 'failed', error: message });
      throw new Error(`step ${name} failed: ${message}`);
    }
  }
}

/**
 * Loads the canary script as the runtime does (CommonJS, `require('@aws/synthetics-core')`), with the
 * stand-in in place of the runtime's module. Anything else it requires must be built into Node: the
 * asset ships the one file.
 */
export function loadCanary(synthetics: SyntheticsStandIn): { handler: () => Promise<void> } {
  const real = createRequire(CANARY_SCRIPT);
  const require = (id: string) => {
    if (id === '@aws/synthetics-core') return { synthetics };
    if (isBuiltin(id)) return real(id);
    throw new Error(`the canary requires ${id}, which neither Node nor the Synthetics runtime provides`);
  };
  const module = { exports: {} as { handler: () => Promise<void> } };
  const wrapped = runInThisContext(Module.wrap(readFileSync(CANARY_SCRIPT, 'utf8')), {
    filename: CANARY_SCRIPT,
  }) as (...args: unknown[]) => void;
  wrapped(module.exports, require, module, CANARY_SCRIPT, dirname(CANARY_SCRIPT));
  return module.exports;
}

/** One canary run with these ENDPOINT_* variables (the rest of the environment untouched). */
export async function runCanary(
  endpoints: Record<string, string>,
  canaryName = 'hello-user-path-us-east-1',
): Promise<{ steps: StepResult[]; error?: Error }> {
  const synthetics = new SyntheticsStandIn(canaryName);
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('ENDPOINT_')) delete process.env[name];
  Object.assign(process.env, endpoints);
  try {
    await loadCanary(synthetics).handler();
    return { steps: synthetics.steps };
  } catch (error) {
    return { steps: synthetics.steps, error: error as Error };
  } finally {
    for (const name of Object.keys(endpoints)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}
