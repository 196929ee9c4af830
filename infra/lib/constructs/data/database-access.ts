import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** The database secret as an engine reads it. */
export interface DatabaseSecretAccess {
  /** `/aws/reference/secretsmanager/<secret name>`. */
  readonly referenceName: string;
  /** The secret (or its replica) in this region; a `-??????` suffix pattern when named, not referenced. */
  readonly secretArn: string;
  /** The key that encrypts the secret in this region. */
  readonly key: kms.IKey;
}

/** The identity an engine's service runs as (an instance role, a function's role), as the data layer grants it. */
export interface DatabaseReader {
  /** May read the application secret through SSM, and nothing else of the database. */
  allowDatabaseSecret(secret: DatabaseSecretAccess): void;
  /** May read the parameter naming the host it connects to. */
  allowDatabaseHost(parameterName: string): void;
}

/**
 * Lets the service read the database secret the only way it does: SSM's `/aws/reference/secretsmanager/`
 * view of it, which needs GetParameter on that name, GetSecretValue on the secret and Decrypt with its
 * key through Secrets Manager for that secret alone. Each statement has a Sid so none merges with the
 * role's others.
 */
export function grantDatabaseSecret(role: iam.IRole, secret: DatabaseSecretAccess): void {
  const { region, account, partition } = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DatabaseSecretParameter',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${partition}:ssm:${region}:${account}:parameter${secret.referenceName}`],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DatabaseSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secret.secretArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DatabaseSecretKey',
      actions: ['kms:Decrypt'],
      resources: [secret.key.keyArn],
      // Secrets Manager names the secret in the encryption context: this key decrypts this secret only.
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': secret.secretArn },
      },
    }),
  );
}

/**
 * Lets the service read the String parameter whose value is the host it connects to instead of the
 * secret's (`DB_HOST_PARAMETER`): GetParameter on that name only, in its own Sid.
 */
export function grantDatabaseHost(role: iam.IRole, parameterName: string): void {
  const { region, account, partition } = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DatabaseHostParameter',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${partition}:ssm:${region}:${account}:parameter${parameterName}`],
    }),
  );
}
