import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { createInspectorScanningHandler } from './handler.ts';

export const handler = createInspectorScanningHandler({ inspector: new Inspector2Client({}) });
