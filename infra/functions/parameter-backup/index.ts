import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createParameterBackupHandler } from './backup.ts';
import { readBackupSettings } from './settings.ts';

// The Lambda entry point: a misconfigured function fails at cold start, before it touches anything.
const settings = readBackupSettings(process.env);

export const handler = createParameterBackupHandler(settings, {
  homeSsm: new SSMClient({}),
  recoverySsm: new SSMClient({ region: settings.recoveryRegion }),
  s3: new S3Client({}),
  kms: new KMSClient({}),
});
