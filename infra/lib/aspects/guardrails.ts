import { Annotations, type IAspect, Stack, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';

/** Props of {@link Guardrails}. */
export interface GuardrailsProps {
  /** Retention given to log groups that have none, in days. */
  readonly logRetentionDays: number;
}

const logBuckets = new WeakSet<IConstruct>();

/**
 * Declares a bucket that receives logs only: it is then exempt from versioning (logs are written once
 * and expired by lifecycle; versions would only double the bill). Every other bucket holds data.
 */
export function declareLogBucket(bucket: s3.IBucket): void {
  logBuckets.add(bucket);
}

/**
 * The estate's cross-cutting policy, in one place. It fixes what has one right answer (encryption,
 * public access block, TLS-only policy, versioning, log retention, key rotation) and reports as an
 * error what needs a decision (an unencrypted topic, an administrator statement, an asymmetric key).
 */
export class Guardrails implements IAspect {
  constructor(private readonly props: GuardrailsProps) {}

  visit(node: IConstruct): void {
    if (node instanceof s3.Bucket) this.tlsOnly(node);
    else if (node instanceof s3.CfnBucket) this.bucket(node);
    else if (node instanceof logs.CfnLogGroup) this.logGroup(node);
    else if (node instanceof kms.CfnKey) this.key(node);
    else if (node instanceof sns.CfnTopic) this.topic(node);
    else if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) this.policy(node);
  }

  private tlsOnly(bucket: s3.Bucket): void {
    const policy = bucket.policy === undefined ? undefined : Stack.of(bucket).resolve(bucket.policy.document);
    const statements: { Condition?: { Bool?: Record<string, unknown> } }[] = policy?.Statement ?? [];
    if (statements.some((s) => s.Condition?.Bool?.['aws:SecureTransport'] !== undefined)) return;
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  }

  private bucket(bucket: s3.CfnBucket): void {
    if (bucket.bucketEncryption === undefined) {
      bucket.bucketEncryption = {
        serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      };
    }
    bucket.publicAccessBlockConfiguration = {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    };
    const l2 = bucket.node.scope;
    const versioned = Stack.of(bucket).resolve(bucket.versioningConfiguration)?.status === 'Enabled';
    if (!versioned && (l2 === undefined || !logBuckets.has(l2))) {
      bucket.versioningConfiguration = { status: 'Enabled' };
    }
  }

  private logGroup(group: logs.CfnLogGroup): void {
    if (group.retentionInDays === undefined) group.retentionInDays = this.props.logRetentionDays;
  }

  private key(key: kms.CfnKey): void {
    const spec = key.keySpec ?? 'SYMMETRIC_DEFAULT';
    if (spec === 'SYMMETRIC_DEFAULT') key.enableKeyRotation = true;
    else
      Annotations.of(key).addError(`Key spec ${spec} cannot rotate: use a symmetric key or justify it here`);
  }

  private topic(topic: sns.CfnTopic): void {
    if (topic.kmsMasterKeyId === undefined) {
      Annotations.of(topic).addError('Topic is not encrypted: give it the region estate key (masterKey)');
    }
  }

  private policy(policy: iam.CfnPolicy | iam.CfnManagedPolicy): void {
    const document = Stack.of(policy).resolve(policy.policyDocument);
    for (const statement of document?.Statement ?? []) {
      if (isAdministrator(statement)) {
        Annotations.of(policy).addError(
          'Statement allows Action * on Resource * (administrator access, GOV-3)',
        );
      }
    }
  }
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

/** `Allow` of `*` (or `*:*`) on `*`. */
function isAdministrator(statement: Statement): boolean {
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return (
    statement.Effect === 'Allow' &&
    list(statement.Action).some((a) => a === '*' || a === '*:*') &&
    list(statement.Resource).some((r) => r === '*' && !Tokenization.isResolvable(r))
  );
}
