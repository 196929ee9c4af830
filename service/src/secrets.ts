import type { SSMClient } from '@aws-sdk/client-ssm';
import type { PoolConfig } from 'pg';
import * as z from 'zod/mini';
import { SettingsError } from './errors.ts';
import { managedDatabaseTls } from './store/tls.ts';

/** How to reach PostgreSQL once the credentials are known. */
export type ConnectionConfig = Pick<
  PoolConfig,
  'connectionString' | 'host' | 'port' | 'user' | 'password' | 'database' | 'ssl'
>;

/** The JSON that RDS-managed secrets (and hand-written SecureStrings) hold. */
const credentialsSchema = z.object({
  host: z.string().check(z.minLength(1)),
  port: z.optional(
    z.coerce.number().check(z.refine((port) => Number.isInteger(port) && port >= 1 && port <= 65_535)),
  ),
  username: z.string().check(z.minLength(1)),
  password: z.string(),
  dbname: z.optional(z.string().check(z.minLength(1))),
});

/**
 * Turns the value of the SSM parameter into a connection. The value is a SecureString holding either a
 * postgres:// URL or credentials JSON, or, through `/aws/reference/secretsmanager/<secret>`, the
 * Secrets Manager secret's JSON. The server is taken for RDS: its certificate is verified against the
 * RDS CAs. A URL that names its `sslmode` (e.g. `no-verify` or `disable` for a self-managed server) is
 * left to pg. Error messages name the parameter but never echo its value.
 */
export function parseDatabaseParameter(parameterName: string, value: string): ConnectionConfig {
  const text = value.trim();
  const ssl = managedDatabaseTls();
  if (/^postgres(ql)?:\/\//.test(text)) {
    return /[?&]sslmode=/.test(text) ? { connectionString: text } : { connectionString: text, ssl };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SettingsError(
      `DB_SECRET_PARAMETER ${parameterName}: the value is neither a postgres:// URL nor JSON ` +
        '(expected {"host","port","username","password","dbname"})',
    );
  }
  const credentials = credentialsSchema.safeParse(json);
  if (!credentials.success) {
    const fields = [...new Set(credentials.error.issues.map((issue) => String(issue.path[0] ?? 'value')))];
    throw new SettingsError(
      `DB_SECRET_PARAMETER ${parameterName}: the JSON lacks or mistypes ${fields.join(', ')} ` +
        '(expected {"host","port","username","password","dbname"})',
    );
  }
  const { host, port, username, password, dbname } = credentials.data;
  return { host, port: port ?? 5432, user: username, password, database: dbname ?? 'postgres', ssl };
}

/** A DNS name or IPv4 address, as an RDS endpoint parameter holds it. */
const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Reads the database parameter from SSM, decrypting the SecureString with its KMS key. With
 * `hostParameterName` (`DB_HOST_PARAMETER`), the host is that String parameter's value instead of the
 * credentials' own: a secret replicated to another region still names the primary's writer. The SDK is
 * imported here, on first use, so answering `GET /` never loads it.
 */
export async function readDatabaseParameter(
  parameterName: string,
  region: string,
  client?: SSMClient,
  hostParameterName?: string,
): Promise<ConnectionConfig> {
  const { GetParameterCommand, SSMClient } = await import('./aws-ssm.ts');
  const ssm = client ?? new SSMClient({ region });
  const read = async (setting: string, name: string, withDecryption: boolean): Promise<string> => {
    let value: string | undefined;
    try {
      const answer = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: withDecryption }));
      value = answer.Parameter?.Value;
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new SettingsError(`${setting} ${name}: cannot read the parameter (${reason})`);
    }
    if (value === undefined) throw new SettingsError(`${setting} ${name}: the parameter has no value`);
    return value;
  };
  const config = parseDatabaseParameter(
    parameterName,
    await read('DB_SECRET_PARAMETER', parameterName, true),
  );
  if (hostParameterName === undefined) return config;
  const host = (await read('DB_HOST_PARAMETER', hostParameterName, false)).trim();
  if (!HOST.test(host)) {
    throw new SettingsError(`DB_HOST_PARAMETER ${hostParameterName}: the value is not a host name`);
  }
  return withHost(config, host);
}

/** The same connection to another host: the `host` field, or the host of a connection URL. */
function withHost(config: ConnectionConfig, host: string): ConnectionConfig {
  if (config.connectionString === undefined) return { ...config, host };
  const url = new URL(config.connectionString);
  url.hostname = host;
  return { ...config, connectionString: url.toString() };
}
