import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { killLeftovers, startService } from '../../../../../deploy/test/support/service.ts';
import { BEANSTALK_VERSION_FILE } from '../../../../../scripts/build.ts';
import {
  beanstalkSourceBundle,
  containerBuildContext,
  RELEASE_VERSION_VARIABLE,
  serviceLambdaBundle,
} from '../../../../lib/constructs/engines/service-bundles.ts';
import { ebextensionOptions } from '../../../support/beanstalk-options.ts';

const RELEASE = '0.1.0-abcdef123456';
const BUILT = /^\d+\.\d+\.\d+-[0-9a-f]{12}$/;

afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(() => killLeftovers());

/** APP_VERSION as the bundle's .ebextensions set it. */
function bundledVersion(directory: string): string | undefined {
  const text = readFileSync(join(directory, BEANSTALK_VERSION_FILE), 'utf8');
  return ebextensionOptions(text).find(
    (o) => o.namespace === 'aws:elasticbeanstalk:application:environment' && o.optionName === 'APP_VERSION',
  )?.value;
}

describe('service bundles', () => {
  it('FN-3, ECS-1: outside a release, the version names the code: package version and bundle hash', () => {
    vi.stubEnv(RELEASE_VERSION_VARIABLE, '');
    expect(serviceLambdaBundle().version).toMatch(BUILT);
    expect(containerBuildContext().version).toMatch(BUILT);
    expect(beanstalkSourceBundle().version).toMatch(BUILT);
  });

  it("FN-3, ECS-1: when the release build synthesizes, every bundle carries the release's version", () => {
    vi.stubEnv(RELEASE_VERSION_VARIABLE, RELEASE);
    expect(serviceLambdaBundle().version).toBe(RELEASE);
    expect(containerBuildContext().version).toBe(RELEASE);
    expect(beanstalkSourceBundle().version).toBe(RELEASE);
  });

  it('EB-4: the Beanstalk bundle states its own version in its .ebextensions, one directory per version', () => {
    vi.stubEnv(RELEASE_VERSION_VARIABLE, '');
    const built = beanstalkSourceBundle();
    expect(bundledVersion(built.directory)).toBe(built.version);
    vi.stubEnv(RELEASE_VERSION_VARIABLE, RELEASE);
    const release = beanstalkSourceBundle();
    expect(bundledVersion(release.directory)).toBe(RELEASE);
    expect(release.directory).not.toBe(built.directory);
  });

  it('EB-4: the bundle, run as the platform runs it with the version its .ebextensions set, serves that version', async () => {
    vi.stubEnv(RELEASE_VERSION_VARIABLE, RELEASE);
    const { directory } = beanstalkSourceBundle();
    const service = await startService(join(directory, 'server.mjs'), {
      WORKERS: '1',
      ENGINE: 'beanstalk',
      APP_VERSION: bundledVersion(directory) ?? '',
      DATABASE_URL: '',
    });
    try {
      const info = (await (await fetch(`http://127.0.0.1:${service.port}/info`)).json()) as {
        version: string;
      };
      expect(info.version).toBe(RELEASE);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('FN-3: a release version the service would refuse stops the synthesis, naming the variable', () => {
    vi.stubEnv(RELEASE_VERSION_VARIABLE, 'not a version');
    expect(() => serviceLambdaBundle()).toThrow(/RELEASE_VERSION="not a version": expected 1-128 letters/);
  });
});
