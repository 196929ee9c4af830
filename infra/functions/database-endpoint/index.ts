import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createEndpointHandler, type RegionClients } from './handler.ts';
import { readEndpointSettings } from './settings.ts';

const clients = new Map<string, RegionClients>();
const clientsOf = (region: string): RegionClients => {
  let pair = clients.get(region);
  if (pair === undefined) {
    pair = { rds: new RDSClient({ region }), ssm: new SSMClient({ region }) };
    clients.set(region, pair);
  }
  return pair;
};

// The Lambda entry point: a misconfigured function fails at cold start, before it writes anything.
export const handler = createEndpointHandler(readEndpointSettings(process.env), clientsOf);
