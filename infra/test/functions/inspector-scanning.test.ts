import {
  BatchGetAccountStatusCommand,
  DisableCommand,
  EnableCommand,
  Inspector2Client,
  type ResourceState,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createInspectorScanningHandler,
  type InspectorScanningEvent,
  SCAN_TYPES,
  type ScanType,
} from '../../functions/inspector-scanning/handler.ts';

const ACCOUNT = '111111111111';
const inspector = mockClient(Inspector2Client);
const handler = createInspectorScanningHandler({ inspector: new Inspector2Client({}) });

/**
 * Inspector's account state in one region, as BatchGetAccountStatus reports it: Enable moves a type to
 * ENABLING, Disable to DISABLING, as the service answers before the change completes.
 */
let state: Record<string, string>;
function serveAccount(initial: Partial<Record<ScanType, string>> = {}) {
  state = Object.fromEntries(
    Object.entries(SCAN_TYPES).map(([type, member]) => [member, initial[type as ScanType] ?? 'DISABLED']),
  );
  const resourceState = () =>
    Object.fromEntries(
      Object.entries(state).map(([member, status]) => [member, { status }]),
    ) as unknown as ResourceState;
  inspector.on(BatchGetAccountStatusCommand).callsFake(() => ({
    accounts: [{ accountId: ACCOUNT, state: { status: 'ENABLED' }, resourceState: resourceState() }],
    failedAccounts: [],
  }));
  inspector.on(EnableCommand).callsFake(({ resourceTypes }: { resourceTypes: ScanType[] }) => {
    for (const type of resourceTypes) state[SCAN_TYPES[type]] = 'ENABLING';
    return { accounts: [{ accountId: ACCOUNT, status: 'ENABLING', resourceStatus: {} }], failedAccounts: [] };
  });
  inspector.on(DisableCommand).callsFake(({ resourceTypes }: { resourceTypes: ScanType[] }) => {
    for (const type of resourceTypes) state[SCAN_TYPES[type]] = 'DISABLING';
    return { accounts: [{ accountId: ACCOUNT, status: 'ENABLED', resourceStatus: {} }] };
  });
}

/** A CloudFormation custom resource event as the Provider framework passes it on. */
function event(
  RequestType: 'Create' | 'Update' | 'Delete',
  ScanType: string,
  PhysicalResourceId?: string,
): InspectorScanningEvent {
  return {
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Hello-Governance-us-east-1/1',
    RequestId: 'b7c3e9a2-1f0d-4c6e-9d8a-2b4f6e8a0c1d',
    LogicalResourceId: `Scanning${ScanType}`,
    ResourceType: 'Custom::InspectorScanning',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider', ScanType },
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: PhysicalResourceId ?? '' }),
    ...(RequestType === 'Update' ? { OldResourceProperties: { ScanType } } : {}),
  } as InspectorScanningEvent;
}

beforeEach(() => inspector.reset());

describe('the Inspector scanning custom resource', () => {
  it('GOV-4: Create turns on scanning of a type that was off and records that the estate turned it on', async () => {
    serveAccount();
    const created = await handler(event('Create', 'EC2'));
    expect(inspector.commandCalls(EnableCommand).map((c) => c.args[0].input)).toEqual([
      { resourceTypes: ['EC2'] },
    ]);
    expect(state.ec2).toBe('ENABLING');
    expect(created).toEqual({
      PhysicalResourceId: 'inspector2/EC2/enabled-by-estate',
      Data: { EnabledByEstate: 'true' },
    });
  });

  it('GOV-4: Delete turns off exactly the type the estate turned on, and nothing else', async () => {
    serveAccount({ EC2: 'ENABLED', ECR: 'ENABLED' });
    await handler(event('Delete', 'EC2', 'inspector2/EC2/enabled-by-estate'));
    expect(inspector.commandCalls(DisableCommand).map((c) => c.args[0].input)).toEqual([
      { resourceTypes: ['EC2'] },
    ]);
    expect(state).toMatchObject({ ec2: 'DISABLING', ecr: 'ENABLED' });
  });

  it.each(['ENABLED', 'ENABLING'])(
    'GOV-4: a type already %s before the estate is left as it is, and left on when the estate is deleted',
    async (before) => {
      serveAccount({ ECR: before });
      const created = await handler(event('Create', 'ECR'));
      expect(created.PhysicalResourceId).toBe('inspector2/ECR/already-on');
      expect(inspector.commandCalls(EnableCommand)).toHaveLength(0);
      await handler(event('Delete', 'ECR', created.PhysicalResourceId));
      expect(inspector.commandCalls(DisableCommand)).toHaveLength(0);
      expect(state.ecr).toBe(before);
    },
  );

  it('GOV-4: Update keeps the record of a type the estate owns and turns it back on if someone turned it off', async () => {
    serveAccount({ LAMBDA: 'ENABLED' });
    const kept = await handler(event('Update', 'LAMBDA', 'inspector2/LAMBDA/enabled-by-estate'));
    expect(kept.PhysicalResourceId).toBe('inspector2/LAMBDA/enabled-by-estate');
    expect(inspector.commandCalls(EnableCommand)).toHaveLength(0);
    state.lambda = 'DISABLED';
    const restored = await handler(event('Update', 'LAMBDA', 'inspector2/LAMBDA/enabled-by-estate'));
    expect(restored.PhysicalResourceId).toBe('inspector2/LAMBDA/enabled-by-estate');
    expect(state.lambda).toBe('ENABLING');
  });

  it('GOV-4: Update of a type someone else turned on does not claim it', async () => {
    serveAccount({ EC2: 'ENABLED' });
    const kept = await handler(event('Update', 'EC2', 'inspector2/EC2/already-on'));
    expect(kept.PhysicalResourceId).toBe('inspector2/EC2/already-on');
  });

  it('GOV-4: a Create that failed before recording anything deletes nothing', async () => {
    serveAccount({ EC2: 'ENABLED' });
    await handler(event('Delete', 'EC2', 'Hello-Governance-ScanningEC2-1A2B3C'));
    expect(inspector.commandCalls(DisableCommand)).toHaveLength(0);
  });

  it('GOV-4: a refused Enable fails the deployment with Inspector’s reason', async () => {
    serveAccount();
    inspector.on(EnableCommand).resolves({
      accounts: [],
      failedAccounts: [
        {
          accountId: ACCOUNT,
          errorCode: 'ACCESS_DENIED',
          errorMessage: 'not authorized',
          status: 'DISABLED',
        },
      ],
    });
    await expect(handler(event('Create', 'EC2'))).rejects.toThrow(/enabling EC2 failed: ACCESS_DENIED/);
  });

  it('GOV-4: an unknown scan type is refused before any call', async () => {
    serveAccount();
    await expect(handler(event('Create', 'LAMBDA_CODE'))).rejects.toThrow(/invalid ResourceProperties/);
    expect(inspector.calls()).toHaveLength(0);
  });
});
