import { describe, expect, it } from 'vitest';
import {
  noPinnedEngineMinor,
  noPinnedPlatform,
  noReservedConcurrency,
  noRetiringRuntime,
} from '../../../lib/rules/versions.ts';
import { assembly, fn, stack } from './fixtures.ts';

describe(noReservedConcurrency.id, () => {
  it('SEC-3: no function reserves concurrency, which a fresh account’s quota refuses', () => {
    const reserved = stack('Relay', { Fn: fn('Role', { ReservedConcurrentExecutions: 1 }) });
    expect(noReservedConcurrency.check(assembly(reserved), {})).toEqual([
      expect.objectContaining({ stack: 'Relay', logicalId: 'Fn' }),
    ]);
    expect(noReservedConcurrency.check(assembly(stack('Relay', { Fn: fn('Role') })), {})).toEqual([]);
  });
});

describe(noRetiringRuntime.id, () => {
  it('SEC-3: no function runs on a runtime AWS deprecates for new functions', () => {
    const old = stack('S', { Fn: fn('Role', { Runtime: 'nodejs18.x' }) });
    expect(noRetiringRuntime.check(assembly(old), {})).toEqual([
      expect.objectContaining({ logicalId: 'Fn', message: expect.stringContaining('nodejs18.x') }),
    ]);
    expect(noRetiringRuntime.check(assembly(stack('S', { Fn: fn('Role') })), {})).toEqual([]);
  });
});

describe(noPinnedPlatform.id, () => {
  const env = (SolutionStackName: unknown) => ({
    Type: 'AWS::ElasticBeanstalk::Environment',
    Properties: { SolutionStackName },
  });
  it('SEC-3: a Beanstalk environment does not pin a platform version a new account is not offered', () => {
    const pinned = stack('B', { Env: env('64bit Amazon Linux 2023 v6.10.0 running Node.js 24') });
    expect(noPinnedPlatform.check(assembly(pinned), {})).toEqual([
      expect.objectContaining({ logicalId: 'Env', message: expect.stringContaining('v6.10.0') }),
    ]);
    const resolved = stack('B', { Env: env({ 'Fn::GetAtt': ['Platform', 'SolutionStackName'] }) });
    expect(noPinnedPlatform.check(assembly(resolved), {})).toEqual([]);
  });
});

describe(noPinnedEngineMinor.id, () => {
  const cluster = (EngineVersion: unknown) => ({
    Type: 'AWS::RDS::DBCluster',
    Properties: { Engine: 'aurora-postgresql', EngineVersion },
  });
  it('SEC-3: an Aurora cluster does not pin a minor engine version as a literal', () => {
    expect(noPinnedEngineMinor.check(assembly(stack('D', { C: cluster('16.6') })), {})).toEqual([
      expect.objectContaining({ logicalId: 'C', message: expect.stringContaining('16.6') }),
    ]);
    expect(noPinnedEngineMinor.check(assembly(stack('D', { C: cluster('16') })), {})).toEqual([]);
    const resolved = cluster({ 'Fn::GetAtt': ['Engine', 'Version'] });
    expect(noPinnedEngineMinor.check(assembly(stack('D', { C: resolved })), {})).toEqual([]);
  });
});
