import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EstateKey } from '../../../../lib/constructs/foundation/estate-key.ts';

function keyStatements(): Record<string, unknown>[] {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fixture', { env: { account: '111111111111', region: 'eu-west-1' } });
  new EstateKey(stack, 'Key', { aliasName: 'alias/hello/estate' });
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  return key?.Properties.KeyPolicy.Statement ?? [];
}

describe('EstateKey', () => {
  it('CICD-1: CodeStar Notifications may encrypt to the alarm topic, through SNS of the region only', () => {
    const statements = keyStatements().filter((s) =>
      JSON.stringify(s.Principal).includes('codestar-notifications.amazonaws.com'),
    );
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
      }),
    ]);
  });
});
