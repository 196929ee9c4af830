import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import pg from 'pg';
import * as z from 'zod';
import { managedDatabaseTls } from '../../../service/src/store/tls.ts';
import { applyAppRole, dropAppRole } from './grants.ts';
import { type MasterCredentials, readAppSecret, readMasterSecret } from './secrets.ts';

/**
 * How the function reaches the database. `verify-full` in the cloud: the certificate must chain to an
 * RDS CA and name the host, with the CAs bundled into the function (the service's options for a managed
 * database). `disable` is for a local test server.
 */
export type DatabaseTls = 'verify-full' | 'disable';

/** Reads DATABASE_TLS at cold start; unset means `verify-full`. */
export function readDatabaseTls(value: string | undefined): DatabaseTls {
  if (value === undefined || value === 'verify-full') return 'verify-full';
  if (value === 'disable') return 'disable';
  throw new Error(
    `database-app-user: DATABASE_TLS must be verify-full or disable, not ${JSON.stringify(value)}`,
  );
}

/** The custom resource's properties (CloudFormation passes every value as a string). */
const propertiesSchema = z.object({
  /** The cluster's generated master secret: host, port, username, password, dbname. */
  MasterSecretArn: z.string().min(1),
  /** The application user's generated secret: username, password. */
  AppSecretArn: z.string().min(1),
  /** The service's database; the master secret's `dbname` when absent. */
  DatabaseName: z
    .string()
    .regex(/^[A-Za-z_][\w$]{0,62}$/, 'must be a plain database name')
    .optional(),
  /** "true" keeps the role when the resource is deleted (a retained cluster keeps a working user). */
  RetainOnDelete: z.enum(['true', 'false']).default('false'),
});

export interface AppUserDependencies {
  readonly secretsManager: SecretsManagerClient;
  readonly tls: DatabaseTls;
  /** The CAs `verify-full` trusts (tests pass their own). @default the Amazon RDS CAs */
  readonly certificateAuthorities?: readonly string[];
}

export type AppUserEvent = CdkCustomResourceEvent<Record<string, unknown>>;

// The physical id names the database and the role, so a Delete after a rename (CloudFormation's
// replacement) drops the old role even though the properties and the secret already name the new one.
const PHYSICAL_ID = /^([A-Za-z_][\w$]{0,62})\/([a-z_][a-z0-9_]{0,62})$/;

/**
 * The onEvent handler for the CDK Provider framework: Create and Update run the service's migration and
 * converge the application role (Update also rotates its password); Delete revokes and drops it unless
 * RetainOnDelete is "true". The framework reports the result to CloudFormation.
 */
export function createAppUserHandler(
  dependencies: AppUserDependencies,
): (event: AppUserEvent) => Promise<CdkCustomResourceResponse> {
  async function connect(master: MasterCredentials, database: string): Promise<pg.Client> {
    const client = new pg.Client({
      host: master.host,
      port: master.port,
      user: master.username,
      password: master.password,
      database,
      ssl:
        dependencies.tls === 'verify-full' ? managedDatabaseTls(dependencies.certificateAuthorities) : false,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
    });
    await client.connect();
    return client;
  }

  async function withDatabase(
    master: MasterCredentials,
    database: string,
    work: (client: pg.Client) => Promise<void>,
  ): Promise<void> {
    const client = await connect(master, database);
    try {
      await work(client);
    } finally {
      await client.end();
    }
  }

  async function converge(properties: z.infer<typeof propertiesSchema>): Promise<CdkCustomResourceResponse> {
    // Both secrets are read and validated before any connection: a bad secret changes nothing.
    const [master, app] = await Promise.all([
      readMasterSecret(dependencies.secretsManager, properties.MasterSecretArn),
      readAppSecret(dependencies.secretsManager, properties.AppSecretArn),
    ]);
    const database = properties.DatabaseName ?? master.dbname;
    if (!database) {
      throw new Error('database-app-user: set DatabaseName, or dbname in the master secret');
    }
    await withDatabase(master, database, (client) =>
      applyAppRole(client, database, app.username, app.password),
    );
    return {
      PhysicalResourceId: `${database}/${app.username}`,
      Data: { DatabaseName: database, RoleName: app.username },
    };
  }

  async function remove(
    properties: z.infer<typeof propertiesSchema>,
    physicalId: string,
  ): Promise<CdkCustomResourceResponse> {
    const names = PHYSICAL_ID.exec(physicalId);
    if (properties.RetainOnDelete === 'true' || !names?.[1] || !names[2]) {
      return { PhysicalResourceId: physicalId };
    }
    const [, database, role] = names;
    const master = await readMasterSecret(dependencies.secretsManager, properties.MasterSecretArn);
    await withDatabase(master, database, (client) => dropAppRole(client, database, role));
    return { PhysicalResourceId: physicalId };
  }

  return async (event) => {
    const parsed = propertiesSchema.safeParse(event.ResourceProperties);
    if (!parsed.success) {
      throw new Error(`database-app-user: invalid ResourceProperties\n${z.prettifyError(parsed.error)}`);
    }
    if (event.RequestType === 'Delete') return remove(parsed.data, event.PhysicalResourceId);
    return converge(parsed.data);
  };
}
