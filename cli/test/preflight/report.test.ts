import { describe, expect, it } from 'vitest';
import { formatRows, probe, row } from '../../preflight/report.ts';
import { awsError } from './support.ts';

const options = {
  check: 'bootstrap',
  scope: 'primary us-east-1',
  permissions: ['cloudformation:DescribeStacks', 'ssm:GetParameter'],
};

describe('preflight rows', () => {
  it('OPS-6: a refusal names the action AWS names, else every action the probe needs', async () => {
    const named = await probe(options, async () => {
      throw awsError(
        'AccessDeniedException',
        'User: x is not authorized to perform: ssm:GetParameter on resource: y',
      );
    });
    expect(named).toEqual([
      row(
        'bootstrap',
        'primary us-east-1',
        'warn',
        'not checked: ssm:GetParameter was refused',
        'allow ssm:GetParameter to these credentials (the ReadOnlyAccess managed policy has it)',
      ),
    ]);
    const unnamed = await probe(options, async () => {
      throw awsError('AccessDenied', 'Access Denied');
    });
    expect(unnamed[0]?.detail).toBe(
      'not checked: cloudformation:DescribeStacks, ssm:GetParameter was refused',
    );
  });

  it('OPS-6: any other failure is a row with its cause, at the status the check chose', async () => {
    const rows = await probe({ ...options, failure: 'BLOCKER' }, async () => {
      throw awsError('ThrottlingException', 'Rate exceeded');
    });
    expect(rows).toEqual([
      row('bootstrap', 'primary us-east-1', 'BLOCKER', 'not checked: ThrottlingException: Rate exceeded'),
    ]);
  });

  it('OPS-6: the table pads every column to its widest cell', () => {
    const table = formatRows([
      row('identity', 'primary 123456789012', 'ok', 'fine'),
      row('quota: Elastic IPs', 'primary us-east-1', 'BLOCKER', 'quota 5 < 6 needed', 'aws service-quotas …'),
    ]);
    expect(table.split('\n')).toEqual([
      'check               scope                 status   detail              fix',
      '------------------  --------------------  -------  ------------------  --------------------',
      'identity            primary 123456789012  ok       fine',
      'quota: Elastic IPs  primary us-east-1     BLOCKER  quota 5 < 6 needed  aws service-quotas …',
    ]);
  });
});
