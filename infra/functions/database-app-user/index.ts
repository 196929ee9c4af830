import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAppUserHandler, readDatabaseTls } from './handler.ts';

// The Lambda entry point: a misconfigured function fails at cold start, before it touches anything.
export const handler = createAppUserHandler({
  secretsManager: new SecretsManagerClient({}),
  tls: readDatabaseTls(process.env.DATABASE_TLS),
});
