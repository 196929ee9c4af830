import { BackupClient } from '@aws-sdk/client-backup';
import { createCopyRelayHandler } from './relay.ts';
import { readRelaySettings } from './settings.ts';

// The Lambda entry point: a misconfigured relay fails at cold start, before it starts any copy.
export const handler = createCopyRelayHandler(readRelaySettings(process.env), {
  backup: new BackupClient({}),
});
