import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { PROFILE_NAMES } from '../../config/index.ts';
import type { SynthOutcome } from './outcome.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const worker = resolve(here, 'synth-worker.ts');

/**
 * Synthesizes the default estate once per test run, one child process per profile (in parallel: two
 * profiles, two cores), and hands the assembly directories to every test file through `inject`.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'estate-assembly-'));
  const outcomes = await Promise.all(
    PROFILE_NAMES.map((profile) => synthesize(profile, join(root, profile))),
  );
  project.provide('estate', Object.fromEntries(outcomes.map((o) => [o.profile, o])));
  const times = outcomes.map((o) => `${o.profile} ${(o.milliseconds / 1000).toFixed(1)} s`).join(', ');
  console.log(`infra: synthesized the default estate once per profile (${times})`);
  return () => rmSync(root, { recursive: true, force: true });
}

async function synthesize(profile: string, outdir: string): Promise<SynthOutcome> {
  mkdirSync(outdir, { recursive: true });
  const home = join(outdir, '..', `${profile}-home`);
  mkdirSync(home, { recursive: true });
  const stderr: string[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, profile, outdir], {
      cwd: resolve(here, '../../..'),
      env: credentialFree(home),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    child.on('error', fail);
    child.on('exit', done);
  });
  try {
    return JSON.parse(readFileSync(join(outdir, 'outcome.json'), 'utf8')) as SynthOutcome;
  } catch {
    return { profile, outdir, failure: `synth worker exited ${code}: ${stderr.join('')}`, milliseconds: 0 };
  }
}

/**
 * The environment of a machine that has never seen AWS: no AWS variables, a HOME without ~/.aws, and
 * no instance metadata. A lookup or an SDK call during synthesis cannot succeed in it.
 */
function credentialFree(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_') && !k.startsWith('ESTATE_')) env[k] = v;
  }
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
}
