import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/** A PostgreSQL role name the handler accepts: plain, lower case, so it needs no quoting by people either. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The JSON of the master secret RDS generates for a cluster (`Credentials.fromGeneratedSecret`). */
const masterSecretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).default(5432),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
});

/** The application user's secret: a generated password for a fixed user name (`rds.DatabaseSecret`). */
const appSecretSchema = z.object({
  username: z.string().regex(ROLE_NAME, 'must be a lower-case role name (letters, digits, underscores)'),
  password: z
    .string()
    .min(16)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII, as Secrets Manager generates it'),
});

export type MasterCredentials = z.infer<typeof masterSecretSchema>;
export type AppCredentials = z.infer<typeof appSecretSchema>;

export function readMasterSecret(
  client: SecretsManagerClient,
  secretArn: string,
): Promise<MasterCredentials> {
  return readSecret(client, secretArn, 'master credentials', masterSecretSchema);
}

export function readAppSecret(client: SecretsManagerClient, secretArn: string): Promise<AppCredentials> {
  return readSecret(client, secretArn, 'application user', appSecretSchema);
}

/** Error messages name the secret and the bad field, never a value. */
async function readSecret<Schema extends z.ZodType>(
  client: SecretsManagerClient,
  secretArn: string,
  role: string,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let json: unknown;
  try {
    json = JSON.parse(SecretString ?? '');
  } catch {
    throw new Error(`database-app-user: the ${role} secret ${secretArn} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `database-app-user: the ${role} secret ${secretArn} is malformed\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
