import pg from 'pg';
import { MIGRATION, RECORDS_TABLE } from '../../../service/src/store/sql.ts';
import { scramSha256Verifier } from './scram.ts';

// The service names its table without a schema, so it lives in the first schema of the default
// search_path that exists: `public`.
const SERVICE_SCHEMA = 'public';

/** The service's table, named by the service itself so a rename there cannot leave the grants behind. */
export const SERVICE_TABLE = RECORDS_TABLE;

const { escapeIdentifier: identifier, escapeLiteral: literal } = pg;

/**
 * Creates the service's table (as the master user, who owns it) and the application role with exactly
 * CONNECT on the database, USAGE on the schema and SELECT, INSERT on the table. The `seq` column is an
 * identity column, whose sequence PostgreSQL advances without a privilege check, so the role needs no
 * USAGE on it. Running it again converges on the same state and sets the current password.
 */
export async function applyAppRole(
  client: pg.Client,
  database: string,
  role: string,
  password: string,
): Promise<void> {
  await client.query(MIGRATION);
  const roleName = identifier(role);
  // Utility statements (CREATE/ALTER ROLE, GRANT) take no bind parameters: names and the verifier are
  // escaped instead, and the verifier keeps the password itself out of the statement.
  const passwordClause = `PASSWORD ${literal(scramSha256Verifier(password))}`;
  await inTransaction(client, async () => {
    const exists = await roleExists(client, role);
    await client.query(
      exists
        ? `ALTER ROLE ${roleName} WITH LOGIN ${passwordClause}`
        : `CREATE ROLE ${roleName} WITH LOGIN ${passwordClause}`,
    );
    // PostgreSQL grants CONNECT and TEMPORARY on every database to PUBLIC, and CREATE on `public` before
    // version 15: without these revokes the role could create temporary or permanent tables.
    await client.query(`REVOKE ALL ON DATABASE ${identifier(database)} FROM PUBLIC`);
    await client.query(`REVOKE CREATE ON SCHEMA ${identifier(SERVICE_SCHEMA)} FROM PUBLIC`);
    await revokeFromRole(client, database, roleName);
    await client.query(`GRANT CONNECT ON DATABASE ${identifier(database)} TO ${roleName}`);
    await client.query(`GRANT USAGE ON SCHEMA ${identifier(SERVICE_SCHEMA)} TO ${roleName}`);
    await client.query(
      `GRANT SELECT, INSERT ON TABLE ${identifier(SERVICE_SCHEMA)}.${identifier(SERVICE_TABLE)} TO ${roleName}`,
    );
  });
}

/** Revokes what `applyAppRole` granted and drops the role; a role already gone is not an error. */
export async function dropAppRole(client: pg.Client, database: string, role: string): Promise<void> {
  await inTransaction(client, async () => {
    if (!(await roleExists(client, role))) return;
    const roleName = identifier(role);
    await revokeFromRole(client, database, roleName);
    await client.query(`DROP ROLE ${roleName}`);
  });
}

async function revokeFromRole(client: pg.Client, database: string, roleName: string): Promise<void> {
  const schema = identifier(SERVICE_SCHEMA);
  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${roleName}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${roleName}`);
  await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${roleName}`);
  await client.query(`REVOKE ALL ON DATABASE ${identifier(database)} FROM ${roleName}`);
}

async function roleExists(client: pg.Client, role: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return result.rowCount === 1;
}

async function inTransaction(client: pg.Client, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
