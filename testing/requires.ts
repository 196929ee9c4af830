import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** An outside tool a test layer depends on (a real PostgreSQL server, shellcheck, Go, …). */
export interface Requirement {
  /** What is missing, as a user would name it. */
  readonly tool: string;
  /** Whether it is usable in this run. */
  readonly available: boolean;
  /** How to provide it (shown in the skip or failure message). */
  readonly howTo: string;
}

/**
 * `describe` for a layer that needs an outside tool. On a laptop without the tool the layer is skipped
 * with its reason; in CI (`CI` set) the same absence is a failed test, so a green CI never hides an
 * unrun layer.
 */
export function describeWith(requirement: Requirement, name: string, body: () => void): void {
  if (requirement.available) {
    describe(name, body);
    return;
  }
  const reason = `${requirement.tool} is not available: ${requirement.howTo}`;
  if (inCi()) {
    describe(name, () => {
      it(`needs ${requirement.tool}`, () => {
        throw new Error(`${reason} (CI must run every layer)`);
      });
    });
    return;
  }
  describe.skip(`${name} [skipped: ${reason}]`, body);
}

/** `it` for one test that needs an outside tool: skipped with its reason on a laptop, a failure in CI. */
export function itWith(requirement: Requirement, name: string, body: () => unknown): void {
  if (requirement.available) {
    it(name, body);
    return;
  }
  const reason = `${requirement.tool} is not available: ${requirement.howTo}`;
  if (inCi()) {
    it(`${name} (needs ${requirement.tool})`, () => {
      throw new Error(`${reason} (CI must run every layer)`);
    });
    return;
  }
  it.skip(`${name} [skipped: ${reason}]`, body);
}

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** ShellCheck, the linter of the shell scripts the estate runs on its instances. */
export const shellcheck: Requirement = {
  tool: 'shellcheck',
  available: spawnSync('shellcheck', ['--version']).status === 0,
  howTo: 'install it (Debian: apt-get install shellcheck; macOS: brew install shellcheck)',
};

/** Debian's Chromium, driven by puppeteer-core to render the pages the estate serves. */
export const chromium: Requirement = {
  tool: 'chromium',
  available: existsSync(CHROMIUM_PATH),
  howTo: `install it at ${CHROMIUM_PATH} (Debian: apt-get install chromium)`,
};

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}
