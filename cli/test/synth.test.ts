import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { formatTable, SYNTH, summarize } from '../synth.ts';

describe('the synth summary', () => {
  it('OPS-5: lists every stack with account, region, resource count and deploy wave', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const env = { account: '111111111111', region: 'eu-west-1' };
    const base = new Stack(app, 'Base', { env });
    const top = new Stack(app, 'Top', { env: { ...env, region: 'us-east-1' } });
    top.addStackDependency(base);
    const rows = summarize(app.synth());
    expect(rows).toEqual([
      { stack: 'Base', account: '111111111111', region: 'eu-west-1', resources: 0, wave: 1 },
      { stack: 'Top', account: '111111111111', region: 'us-east-1', resources: 0, wave: 2 },
    ]);
    expect(formatTable(rows).split('\n')).toEqual([
      'stack  account       region     resources  wave',
      '-----  ------------  ---------  ---------  ----',
      'Base   111111111111  eu-west-1          0     1',
      'Top    111111111111  us-east-1          0     2',
    ]);
  });

  it('reads --profile in both spellings', () => {
    expect(SYNTH.parse(['--profile', 'production']).profile).toBe('production');
    expect(SYNTH.parse(['--profile=lab']).profile).toBe('lab');
    expect(SYNTH.parse([]).profile).toBeUndefined();
  });
});
