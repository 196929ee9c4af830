import { fileURLToPath } from 'node:url';
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { SCAN_TYPES, type ScanType } from '../../../functions/inspector-scanning/handler.ts';
import { estateFunction } from '../foundation/estate-function.ts';

const ENTRY = fileURLToPath(new URL('../../../functions/inspector-scanning/index.ts', import.meta.url));

/** Props of {@link InspectorScanning}. */
export interface InspectorScanningProps {
  /** The region's estate key: the functions' logs. */
  readonly key: kms.IKey;
  /** Retention of the functions' logs. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Amazon Inspector scanning EC2 instances, ECR images and Lambda functions in this account and region
 * (GOV-4). CloudFormation has no resource that enables Inspector, so a custom resource per scan type
 * does: it records whether the type was already on, and deleting the estate turns off only what the
 * estate turned on. The types are enabled one after another: Inspector changes one account's state at a
 * time.
 */
export class InspectorScanning extends Construct {
  /** The function behind the custom resources. */
  readonly function: nodejs.NodejsFunction;
  /** One custom resource per scan type. */
  readonly scans: Readonly<Record<ScanType, CustomResource>>;

  constructor(scope: Construct, id: string, props: InspectorScanningProps) {
    super(scope, id);
    const { account, partition } = Stack.of(this);
    this.function = estateFunction(this, 'Function', {
      entry: ENTRY,
      description: 'Turns Amazon Inspector scanning on per type, and off only where it turned it on',
      timeout: Duration.minutes(1),
      memorySize: 256,
      key: props.key,
      logRetention: props.logRetention,
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['inspector2:BatchGetAccountStatus', 'inspector2:Enable', 'inspector2:Disable'],
        resources: ['*'],
      }),
    );
    // Enabling creates Inspector's service-linked role in an account that never used it.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [
          `arn:${partition}:iam::${account}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2`,
        ],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
      }),
    );

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        encryptionKey: props.key,
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    const scans: Partial<Record<ScanType, CustomResource>> = {};
    let previous: CustomResource | undefined;
    for (const type of Object.keys(SCAN_TYPES) as ScanType[]) {
      const scan = new CustomResource(this, type, {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::InspectorScanning',
        properties: { ScanType: type },
      });
      if (previous !== undefined) scan.node.addDependency(previous);
      scans[type] = scan;
      previous = scan;
    }
    this.scans = scans as Record<ScanType, CustomResource>;
    this.acknowledge();
  }

  private acknowledge(): void {
    const stack = Stack.of(this);
    const functionId = stack.resolve(
      stack.getLogicalId(this.function.node.defaultChild as lambda.CfnFunction),
    ) as string;
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'inspector2:Enable, Disable and BatchGetAccountStatus act on the calling account and take no resource ARN',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The Provider framework function writes its own log streams only (three log actions)',
    });
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason: 'The Provider framework invokes any version of the one scanning function',
    });
  }
}
