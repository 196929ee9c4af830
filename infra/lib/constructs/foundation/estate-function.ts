import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The estate's Lambda runtime: pinned, because NODEJS_LATEST can move under a deployed function. */
export const ESTATE_LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** Graviton: about 20% cheaper per GB-second than x86 for the same Node.js code. */
export const ESTATE_LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;

/** Props of {@link estateFunction}: a NodejsFunction's, less what every function of the estate shares. */
export interface EstateFunctionProps
  extends Omit<nodejs.NodejsFunctionProps, 'handler' | 'runtime' | 'architecture' | 'logGroup'> {
  /** The TypeScript file exporting `handler`. */
  readonly entry: string;
  /** The region's key, which encrypts the function's log group. */
  readonly key: kms.IKey;
  /** Retention of the function's logs. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The estate's Lambda recipe, created in `scope` under `id` (its log group under `<id>Logs`): the current
 * Node.js runtime on Graviton, an encrypted log group with the profile's retention (removed with the
 * function), and a minified bundle that carries the SDK versions the handler was tested with instead of
 * whatever the runtime ships. A given role is granted the writes to that log group.
 */
export function estateFunction(
  scope: Construct,
  id: string,
  props: EstateFunctionProps,
): nodejs.NodejsFunction {
  const { key, logRetention, bundling, ...functionProps } = props;
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    encryptionKey: key,
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  if (props.role !== undefined) logGroup.grantWrite(props.role);
  return new nodejs.NodejsFunction(scope, id, {
    handler: 'handler',
    runtime: ESTATE_LAMBDA_RUNTIME,
    architecture: ESTATE_LAMBDA_ARCHITECTURE,
    logGroup,
    ...functionProps,
    bundling: { bundleAwsSDK: true, minify: true, sourceMap: false, ...bundling },
  });
}
