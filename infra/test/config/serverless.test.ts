import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, LAMBDA_DEPLOYMENT_CONFIGS, PROFILES, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

describe('the serverless section of the config', () => {
  it('FN-2: defaults to a 10% canary for 5 minutes, rolled back at 5 errors a minute', () => {
    expect(DEFAULT_CONFIG.serverless).toEqual({
      deploymentConfig: 'Canary10Percent5Minutes',
      throttle: { rateLimit: 100, burstLimit: 200 },
      rollback: { http5xxThreshold: 5, failureRecordThreshold: 5, periodSeconds: 60 },
    });
  });

  it('FN-2: takes every predefined Lambda traffic shift of CodeDeploy', () => {
    for (const name of LAMBDA_DEPLOYMENT_CONFIGS) {
      expect(parseConfig({ serverless: { deploymentConfig: name } }).serverless.deploymentConfig).toBe(name);
    }
  });

  it('FN-1: the lab runs no warm environment (billed per request only); production keeps two', () => {
    expect(PROFILES.lab.lambda).toEqual({ memoryMb: 512, provisionedConcurrency: 0 });
    expect(PROFILES.production.lambda).toEqual({ memoryMb: 1024, provisionedConcurrency: 2 });
  });

  it('FN-2: takes a rehearsal fault for the next version, and none by default', () => {
    expect(DEFAULT_CONFIG.serverless.faultMode).toBeUndefined();
    expect(parseConfig({ serverless: { faultMode: 'root-500' } }).serverless.faultMode).toBe('root-500');
  });

  it.each([
    [
      'a traffic shift CodeDeploy does not predefine',
      { serverless: { deploymentConfig: 'Canary50Percent1Minute' } },
      /^serverless\.deploymentConfig: expected one of AllAtOnce, Canary10Percent5Minutes, /,
    ],
    [
      'an API without any request admitted',
      { serverless: { throttle: { rateLimit: 0 } } },
      /^serverless\.throttle\.rateLimit: expected at least 1/,
    ],
    [
      'an alarm period CloudWatch does not offer',
      { serverless: { rollback: { periodSeconds: 30 } } },
      /^serverless\.rollback\.periodSeconds: expected 60 or 300/,
    ],
    [
      'a fault the service does not know',
      { serverless: { faultMode: 'slow' } },
      /^serverless\.faultMode: expected root-500/,
    ],
    [
      'a key the section does not have',
      { serverless: { memoryMb: 4096 } },
      /^serverless\.memoryMb: unknown key \(expected one of deploymentConfig, throttle, rollback/,
    ],
  ])('refuses %s with one problem naming the key', (_case, overrides, expected) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });
});
