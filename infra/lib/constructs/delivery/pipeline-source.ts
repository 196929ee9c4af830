import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codeconnections from 'aws-cdk-lib/aws-codeconnections';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EstateConfig } from '../../../config/index.ts';
import { dataBucketProps } from '../foundation/data-bucket.ts';
import { throughS3 } from './through-s3.ts';

/** The name of the connection the pipeline stack creates when `source.connectionArn` is unset. */
export function sourceConnectionName(config: Pick<EstateConfig, 'appName'>): string {
  return `${config.appName}-source`;
}

/** Props of {@link PipelineSource}. */
export interface PipelineSourceProps {
  /** Where the code comes from (config `source`). */
  readonly source: EstateConfig['source'];
  /** Name of the connection the construct creates when the config names none. */
  readonly connectionName: string;
  /** The home region's estate key (the S3 source bucket). */
  readonly key: kms.IKey;
  /** The home region's access-log bucket (the S3 source bucket). */
  readonly accessLogs: s3.IBucket;
}

/**
 * The pipeline's source (CICD-2), one of three: a CodeConnections repository (GitHub, GitLab or
 * Bitbucket; a connection the construct creates stays PENDING until someone accepts it once in the
 * console), a CodeCommit repository (created, or an existing one), or an S3 object in a versioned bucket
 * the construct creates, whose upload starts the pipeline through EventBridge. A push to the configured
 * branch starts it ({@link bind}).
 */
export class PipelineSource extends Construct {
  /** The source code, as the first stage hands it on. */
  readonly output = new codepipeline.Artifact('Source');
  /** The source action. */
  readonly action:
    | actions.CodeCommitSourceAction
    | actions.CodeStarConnectionsSourceAction
    | actions.S3SourceAction;
  /** The connection created here (left PENDING until accepted in the console). */
  readonly connection?: codeconnections.CfnConnection;
  /** The bucket created here for the S3 source. */
  readonly bucket?: s3.Bucket;

  private readonly props: PipelineSourceProps;

  constructor(scope: Construct, id: string, props: PipelineSourceProps) {
    super(scope, id);
    this.props = props;
    const { source } = props;
    const actionName = 'Source';
    switch (source.kind) {
      case 'CodeCommit': {
        const repository = source.existing
          ? codecommit.Repository.fromRepositoryName(this, 'Repository', source.repositoryName)
          : new codecommit.Repository(this, 'Repository', {
              repositoryName: source.repositoryName,
              description: 'The estate: service, infrastructure and delivery',
            });
        if (repository instanceof codecommit.Repository) repository.applyRemovalPolicy(RemovalPolicy.RETAIN);
        this.action = new actions.CodeCommitSourceAction({
          actionName,
          repository,
          branch: source.branch,
          output: this.output,
          trigger: actions.CodeCommitTrigger.EVENTS,
        });
        break;
      }
      case 'CodeConnections': {
        let connectionArn = source.connectionArn;
        if (connectionArn === undefined) {
          this.connection = new codeconnections.CfnConnection(this, 'Connection', {
            connectionName: props.connectionName,
            providerType: source.provider ?? 'GitHub',
          });
          connectionArn = this.connection.attrConnectionArn;
        }
        this.action = new actions.CodeStarConnectionsSourceAction({
          actionName,
          connectionArn,
          owner: source.owner,
          repo: source.repository,
          branch: source.branch,
          output: this.output,
          // The V2 trigger of bind() starts it (with a branch filter); this would start it twice.
          triggerOnPush: false,
        });
        break;
      }
      case 'S3': {
        this.bucket = new s3.Bucket(this, 'Bucket', {
          ...dataBucketProps({
            bucketName: source.bucketName,
            key: props.key,
            accessLogs: props.accessLogs,
            noncurrentVersionDays: 30,
          }),
          eventBridgeEnabled: true,
        });
        // The pipeline reads the object through a view of the bucket whose key grants go through S3 only,
        // like its artifact stores: the estate key protects the region's secrets too.
        const { region } = Stack.of(this);
        const readable = s3.Bucket.fromBucketAttributes(this, 'Readable', {
          bucketArn: this.bucket.bucketArn,
          region,
          encryptionKey: throughS3(kms.Key.fromKeyArn(this, 'ReadKey', props.key.keyArn), region),
        });
        this.action = new actions.S3SourceAction({
          actionName,
          bucket: readable,
          bucketKey: source.objectKey,
          output: this.output,
          trigger: actions.S3Trigger.NONE,
        });
        break;
      }
    }
  }

  /**
   * What starts the pipeline on a change: for a connection, a V2 push trigger on the branch (V2 triggers
   * take CodeConnections sources only); CodeCommit's own EventBridge rule on the branch; for S3, an
   * EventBridge rule on the object's upload (the bucket sends its events to EventBridge, so no
   * CloudTrail trail is needed, unlike the action's EVENTS trigger).
   */
  bind(pipeline: codepipeline.Pipeline): void {
    const { source } = this.props;
    if (source.kind === 'CodeConnections') {
      pipeline.addTrigger({
        providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        gitConfiguration: { sourceAction: this.action, pushFilter: [{ branchesIncludes: [source.branch] }] },
      });
    } else if (source.kind === 'S3' && this.bucket !== undefined) {
      new events.Rule(this, 'Upload', {
        description: 'Starts the release pipeline when the source object is uploaded',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: [source.objectKey] } },
        },
        targets: [new targets.CodePipeline(pipeline)],
      });
    }
  }
}
