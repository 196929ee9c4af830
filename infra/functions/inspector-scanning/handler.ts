import {
  BatchGetAccountStatusCommand,
  DisableCommand,
  EnableCommand,
  type Inspector2Client,
  type ResourceScanType,
  type Status,
} from '@aws-sdk/client-inspector2';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import * as z from 'zod';

/** The scan types the estate turns on, and the member of the account's resource state that reports each. */
export const SCAN_TYPES = { EC2: 'ec2', ECR: 'ecr', LAMBDA: 'lambda' } as const;
export type ScanType = keyof typeof SCAN_TYPES;

/** The custom resource's properties: one scan type per resource, so each records its own ownership. */
const propertiesSchema = z.object({
  ScanType: z.enum(Object.keys(SCAN_TYPES) as [ScanType, ...ScanType[]]),
});

/**
 * The physical id says who turned the scan type on: `inspector2/EC2/enabled-by-estate` when this
 * resource did (a Delete turns it off), `inspector2/EC2/already-on` when it was on before (a Delete
 * leaves it on). CloudFormation hands the physical id back on every later event, so the record needs no
 * store of its own.
 */
const PHYSICAL_ID = new RegExp(
  `^inspector2/(${Object.keys(SCAN_TYPES).join('|')})/(enabled-by-estate|already-on)$`,
);
const physicalId = (type: ScanType, ours: boolean) =>
  `inspector2/${type}/${ours ? 'enabled-by-estate' : 'already-on'}`;

/** On, or on its way: enabling again would change nothing. */
const ON: readonly (Status | undefined)[] = ['ENABLED', 'ENABLING'];

export interface InspectorScanningDependencies {
  readonly inspector: Inspector2Client;
}

export type InspectorScanningEvent = CdkCustomResourceEvent<Record<string, unknown>>;

/**
 * The onEvent handler for the CDK Provider framework (GOV-4): Create turns Inspector's scanning of one
 * resource type on in this account and region unless it already is, and records which; Delete turns
 * off only what this resource turned on, so an account that scanned before the estate keeps scanning
 * after it. Update keeps the record of a type it already owns (re-enabling it if someone turned it off).
 */
export function createInspectorScanningHandler(
  dependencies: InspectorScanningDependencies,
): (event: InspectorScanningEvent) => Promise<CdkCustomResourceResponse> {
  const { inspector } = dependencies;

  async function status(type: ScanType): Promise<Status | undefined> {
    const { accounts, failedAccounts } = await inspector.send(new BatchGetAccountStatusCommand({}));
    const failure = failedAccounts?.[0];
    if (failure !== undefined)
      throw new Error(
        `inspector-scanning: account status unreadable: ${failure.errorCode} ${failure.errorMessage}`,
      );
    return accounts?.[0]?.resourceState?.[SCAN_TYPES[type]]?.status;
  }

  async function turnOn(type: ScanType, owned: boolean): Promise<CdkCustomResourceResponse> {
    if (ON.includes(await status(type))) {
      return { PhysicalResourceId: physicalId(type, owned), Data: { EnabledByEstate: String(owned) } };
    }
    const { failedAccounts } = await inspector.send(
      new EnableCommand({ resourceTypes: [type as ResourceScanType] }),
    );
    const failure = failedAccounts?.[0];
    if (failure !== undefined)
      throw new Error(
        `inspector-scanning: enabling ${type} failed: ${failure.errorCode} ${failure.errorMessage}`,
      );
    return { PhysicalResourceId: physicalId(type, true), Data: { EnabledByEstate: 'true' } };
  }

  async function turnOff(physical: string): Promise<CdkCustomResourceResponse> {
    const [, type, owner] = PHYSICAL_ID.exec(physical) ?? [];
    // A Create that failed before recording anything has the framework's placeholder id: nothing to undo.
    if (owner !== 'enabled-by-estate' || type === undefined) return { PhysicalResourceId: physical };
    await inspector.send(new DisableCommand({ resourceTypes: [type as ResourceScanType] }));
    return { PhysicalResourceId: physical };
  }

  return async (event) => {
    if (event.RequestType === 'Delete') return turnOff(event.PhysicalResourceId);
    const parsed = propertiesSchema.safeParse(event.ResourceProperties);
    if (!parsed.success) {
      throw new Error(`inspector-scanning: invalid ResourceProperties\n${z.prettifyError(parsed.error)}`);
    }
    const type = parsed.data.ScanType;
    const owned = event.RequestType === 'Update' && event.PhysicalResourceId === physicalId(type, true);
    return turnOn(type, owned);
  };
}
