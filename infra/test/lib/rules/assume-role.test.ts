import { describe, expect, it } from 'vitest';
import { customResourceAssumeRole } from '../../../lib/rules/assume-role.ts';
import { arn, assembly, fn, PRIMARY, policy, RECOVERY, role, stack } from './fixtures.ts';

const TARGET = `arn:aws:iam::${RECOVERY}:role/Hello-Recovery-DnsDelegation`;

/** The primary account's stack: a custom resource assuming TARGET, its provider's role granted or not. */
function consumer(grant: object | undefined) {
  return stack('Dns', {
    Record: {
      Type: 'Custom::CrossAccountZoneDelegation',
      Properties: { ServiceToken: arn('Handler'), AssumeRoleArn: TARGET },
    },
    Handler: fn('HandlerRole'),
    HandlerRole: role('lambda.amazonaws.com'),
    ...(grant === undefined ? {} : { Grant: policy('HandlerRole', grant) }),
  });
}

/** The recovery account's stack: the role, trusting `principal`. */
function parent(principal: string) {
  return stack(
    'RecoveryDns',
    {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'Hello-Recovery-DnsDelegation',
          AssumeRolePolicyDocument: {
            Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: principal } }],
          },
        },
      },
    },
    { account: RECOVERY },
  );
}

const assumeGrant = { Action: 'sts:AssumeRole', Effect: 'Allow', Resource: TARGET };
const messages = (...stacks: ReturnType<typeof stack>[]) =>
  customResourceAssumeRole
    .check(assembly(...stacks), {})
    .map((f) => `${f.stack}/${f.logicalId}: ${f.message}`);

describe(customResourceAssumeRole.id, () => {
  it('SEC-3, DR-3: passes a provider allowed to assume a role of another account that trusts its account', () => {
    expect(messages(consumer(assumeGrant), parent(`arn:aws:iam::${PRIMARY}:root`))).toEqual([]);
  });

  it('SEC-3, DR-3: fails a provider whose role has no sts:AssumeRole on the target', () => {
    const other = { ...assumeGrant, Resource: `arn:aws:iam::${RECOVERY}:role/Other` };
    for (const grant of [undefined, other]) {
      expect(messages(consumer(grant), parent(`arn:aws:iam::${PRIMARY}:root`))).toEqual([
        `Dns/Record: its provider's role may not sts:AssumeRole ${TARGET}: every create, update and delete fails with AccessDenied; grant it on the provider's role`,
      ]);
    }
  });

  it('SEC-3, DR-3: fails a target role whose trust does not admit the custom resource’s account', () => {
    expect(messages(consumer(assumeGrant), parent(`arn:aws:iam::${RECOVERY}:root`))).toEqual([
      `Dns/Record: assumes RecoveryDns/Role (Hello-Recovery-DnsDelegation), whose trust policy does not admit account ${PRIMARY}: add it as a principal`,
    ]);
  });
});
