// Step 2 of the account-loss runbook: the CDK CLI deploys the recovered estate into the recovery account,
// synthesized from the restore file. The runner is injected: the tests capture the exact command line.
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import type { ProgressStream } from '../lib/progress.ts';
import { RecoverError } from './clients.ts';

/** A command line: what the runbook runs, printed as it is in a dry run. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
  /** Variables added to the environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** Runs a command line; resolves with its exit code and everything it printed. */
export type Runner = (line: CommandLine) => Promise<{ readonly code: number; readonly output: string }>;

/** What the deploy runs: every stack of the recovered estate, no approval prompt, the recovery account's profile. */
export function deployCommand(options: {
  readonly restoreFile: string;
  readonly estateProfile?: string;
  readonly awsProfile?: string;
}): CommandLine {
  return {
    command: 'npx',
    args: [
      'cdk',
      'deploy',
      '--all',
      '-c',
      `restore=${options.restoreFile}`,
      '--require-approval',
      'never',
      ...(options.awsProfile === undefined ? [] : ['--profile', options.awsProfile]),
    ],
    // The CDK app loads the config itself: the profile reaches it the way loadConfig reads it.
    env: options.estateProfile === undefined ? {} : { ESTATE_PROFILE: options.estateProfile },
  };
}

/** The command line as a shell would take it. */
export function formatCommand(line: CommandLine): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const env = Object.entries(line.env).map(([k, v]) => `${k}=${quote(v)} `);
  return `${env.join('')}${[line.command, ...line.args].map(quote).join(' ')}`;
}

// The CDK CLI's words for a stack that failed: `❌  <stack> failed to deploy` (or `failed: <reason>`).
const FAILED_STACK = /❌\s+(\S+)\s+failed/g;

/** Runs the deploy; a failure names the stacks the CDK CLI says failed, and the last lines it printed. */
export async function deploy(runner: Runner, line: CommandLine): Promise<void> {
  const { code, output } = await runner(line);
  if (code === 0) return;
  const plain = stripVTControlCharacters(output);
  const stacks = [...new Set([...plain.matchAll(FAILED_STACK)].map((m) => m[1]))];
  const tail = plain.trimEnd().split('\n').slice(-5).join('\n');
  throw new RecoverError(
    `the deploy failed (exit ${code})${stacks.length === 0 ? '' : ` at ${stacks.join(', ')}`}: look at ${stacks.length === 0 ? "the CDK CLI's output" : "that stack's events in CloudFormation"}, fix the cause and run the same command again: it resumes with the deploy.\n${tail}`,
  );
}

/** The release the checkout must be at: its commit, and what to call it in a message. */
export interface CheckoutRelease {
  readonly version: string;
  readonly commit: string;
}

/** `git rev-parse HEAD` of the checkout the command runs in. */
export const GIT_HEAD: CommandLine = { command: 'git', args: ['rev-parse', 'HEAD'], env: {} };

/**
 * Whether the checkout is at the released commit: the Beanstalk, Serverless and EC2 engines deploy what
 * `cdk deploy` builds from it, so another commit would put other code than the last release behind users.
 */
export async function checkCheckout(
  runner: Runner,
  release: CheckoutRelease,
): Promise<{ readonly ok: boolean; readonly line: string }> {
  // No git at all (a spawn error) reads like a failed git: the checkout cannot be told apart.
  const { code, output } = await runner(GIT_HEAD).catch((error: unknown) => ({
    code: undefined,
    output: error instanceof Error ? error.message : String(error),
  }));
  const head = output.trim();
  const at = code === 0 && /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  if (at?.startsWith(release.commit))
    return { ok: true, line: `the checkout is at the released commit ${at} (version ${release.version})` };
  const failed = `git rev-parse HEAD failed (${code === undefined ? head : `exit ${code}`}): this may not be a git checkout`;
  return {
    ok: false,
    line: `${at === undefined ? failed : `the checkout is at ${at}`}, not at the released commit ${release.commit} (version ${release.version}): the Beanstalk, Serverless and EC2 engines deploy what this checkout builds, so they would run other code than the last release. Run git checkout ${release.commit} and run again, or add --accept-checkout to deploy this checkout anyway`,
  };
}

/** Spawns the command with the user's environment, its output passed through to `echo` and kept. */
export function processRunner(echo: ProgressStream): Runner {
  return (line) =>
    new Promise((resolve, reject) => {
      const child = spawn(line.command, [...line.args], {
        env: { ...process.env, ...line.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const chunks: string[] = [];
      const keep = (chunk: Buffer) => {
        const text = chunk.toString();
        chunks.push(text);
        echo.write(text);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, output: chunks.join('') }));
    });
}
