import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AuroraDefaultVersion, auroraEngine } from './aurora-engine-version.ts';

/** PostgreSQL's port; the engines' security groups are opened to it alone. */
export const DATABASE_PORT = 5432;

/** Cluster parameters both sides of the global database share. */
export const CLUSTER_PARAMETERS: Readonly<Record<string, string>> = {
  // Refuse clients that do not use TLS (the service and the app-user function both use it).
  'rds.force_ssl': '1',
};

// What rds.DatabaseSecret leaves out of generated passwords, kept out of rotated ones too.
const MASTER_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/** Props of {@link DatabaseCluster}. */
export interface DatabaseClusterProps {
  /** The region's VPC; the cluster lives in its isolated subnets. */
  readonly vpc: ec2.IVpc;
  /** Two AZs of the region: the writer in the first, the reader in the second (Multi-AZ). */
  readonly availabilityZones: readonly [string, string];
  /** The region's estate key: storage, Performance Insights, master secret and log group. */
  readonly key: kms.IKey;
  /** Cluster identifier, also the name of its log group (`/aws/rds/cluster/<id>/postgresql`). */
  readonly clusterIdentifier: string;
  /** Identifier of the global database this cluster is the primary of. */
  readonly globalClusterIdentifier: string;
  /** The database created with the cluster (the service's). */
  readonly databaseName: string;
  /** Master user name; its password is generated into Secrets Manager. */
  readonly masterUsername: string;
  /** Name of the master secret. */
  readonly masterSecretName: string;
  /** Regions whose Secrets Manager holds a replica of the master secret, with the key of each. */
  readonly replicaRegions: readonly secretsmanager.ReplicaRegion[];
  /** Serverless v2 lower bound, in ACUs. */
  readonly minCapacity: number;
  /** Serverless v2 upper bound, in ACUs. */
  readonly maxCapacity: number;
  /** Automated backups kept (the point-in-time-recovery window). */
  readonly backupRetention: Duration;
  /** Refuse deletion of the cluster and of the global database. */
  readonly deletionProtection: boolean;
  /** Retention of the exported PostgreSQL log. */
  readonly logRetention: logs.RetentionDays;
  /** Days between rotations of the master password. */
  readonly rotationDays: number;
  /** Let IAM roles log in with tokens as well as passwords. @default false */
  readonly iamAuthentication?: boolean;
  /**
   * An Aurora cluster snapshot to restore the cluster from (a recovered estate): its data, database and
   * users, the master password reset to the generated secret's. @default - a new, empty cluster
   */
  readonly snapshotArn?: string;
}

/**
 * The primary cluster of the estate's Aurora PostgreSQL global database, in the home region: a
 * Serverless v2 writer and reader in two AZs, encrypted with the estate key, reachable on 5432 only from
 * the security groups given to {@link allowFrom}.
 */
export class DatabaseCluster extends Construct {
  /** The cluster. */
  readonly cluster: rds.DatabaseCluster;
  /** The global database, created from this cluster. */
  readonly globalCluster: rds.CfnGlobalCluster;
  /** The generated master credentials (engine, host and port attached by RDS). */
  readonly masterSecret: secretsmanager.ISecret;
  /** The cluster's security group (nothing may connect until {@link allowFrom} says so). */
  readonly securityGroup: ec2.SecurityGroup;
  /** The exported PostgreSQL log. */
  readonly logGroup: logs.LogGroup;
  /** The rotation of the master password. */
  readonly rotation: secretsmanager.RotationSchedule;

  constructor(scope: Construct, id: string, props: DatabaseClusterProps) {
    super(scope, id);
    const [writerZone, readerZone] = props.availabilityZones;
    if (writerZone === readerZone) {
      throw new Error(`${this.node.path}: the writer and the reader need two different AZs`);
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora PostgreSQL: 5432 from the engines and the data-layer functions only',
      allowAllOutbound: false,
    });
    this.logGroup = clusterLogGroup(this, props.clusterIdentifier, props.key, props.logRetention);
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      // The region's default minor of the major at creation (see AuroraDefaultVersion); the secondaries
      // read the version from the global database.
      engine: auroraEngine(new AuroraDefaultVersion(this, 'EngineVersion').engineVersion),
      clusterIdentifier: props.clusterIdentifier,
      defaultDatabaseName: props.databaseName,
      // RDS-managed master passwords are not supported in a global database: the password is generated
      // into a secret of our own, encrypted with the estate key and replicated with each region's key.
      credentials: rds.Credentials.fromGeneratedSecret(props.masterUsername, {
        secretName: props.masterSecretName,
        encryptionKey: props.key,
        replicaRegions: [...props.replicaRegions],
      }),
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        availabilityZone: writerZone,
        ...instanceInsights(props.key),
      }),
      readers: [
        // Promotion tier 1 with the writer's size: a failover lands on an instance already warm enough.
        rds.ClusterInstance.serverlessV2('Reader', {
          availabilityZone: readerZone,
          scaleWithWriter: true,
          ...instanceInsights(props.key),
        }),
      ],
      ...sharedClusterSettings({ ...props, securityGroup: this.securityGroup }),
      backup: { retention: props.backupRetention },
      iamAuthentication: props.iamAuthentication ?? false,
    });
    // RDS would create the log group itself (unencrypted, kept forever) if the cluster came first.
    this.cluster.node.addDependency(this.logGroup);
    if (props.snapshotArn !== undefined) restoreFromSnapshot(this.cluster, props.snapshotArn);
    if (this.cluster.secret === undefined) throw new Error(`${this.node.path}: no master secret`);
    this.masterSecret = this.cluster.secret;

    // A hosted single-user rotation instead of the L2's addRotationSingleUser, which deploys a Serverless
    // Application Repository app. The new password reaches the secondaries with the replicated users.
    const rotation = secretsmanager.HostedRotation.postgreSqlSingleUser({
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [awsApiClientGroup(this, 'RotationSecurityGroup', props.vpc, 'master rotation')],
      excludeCharacters: MASTER_EXCLUDED_CHARACTERS,
    });
    // Beside the cluster, not inside it: whatever waits for the cluster need not wait for a rotation.
    this.rotation = new secretsmanager.RotationSchedule(this, 'MasterRotation', {
      secret: this.masterSecret,
      hostedRotation: rotation,
      automaticallyAfter: Duration.days(props.rotationDays),
    });
    this.allowFrom(rotation, 'master secret rotation');

    acknowledgeClusterChoices(this.cluster, props.deletionProtection, props.iamAuthentication ?? false);

    // L1 only: the L2 has no global database. Created from the primary (SourceDBClusterIdentifier), so the
    // primary's own template needs no global property and engine, version and encryption are inherited.
    this.globalCluster = new rds.CfnGlobalCluster(this, 'Global', {
      globalClusterIdentifier: props.globalClusterIdentifier,
      sourceDbClusterIdentifier: this.cluster.clusterArn,
      deletionProtection: props.deletionProtection,
    });
  }

  /** Opens 5432 to `peer`; the rules live in the peer's stack, so this stack never depends on it. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    allowPostgres(this.securityGroup, peer, description);
  }
}

/**
 * Ingress on the cluster's group from each of the peer's groups, and egress on those that restrict it,
 * both created in the peer's stack (`remoteRule`): an engine stack depends on the data stack, not back.
 */
export function allowPostgres(
  cluster: ec2.ISecurityGroup,
  peer: ec2.IConnectable,
  description: string,
): void {
  const port = ec2.Port.tcp(DATABASE_PORT);
  for (const group of peer.connections.securityGroups) {
    cluster.addIngressRule(group, port, description, true);
    if (!group.allowAllOutbound) group.addEgressRule(cluster, port, description);
  }
}

/** Performance Insights per instance too (the cluster setting alone leaves a warning per instance). */
/** What every cluster of the global database shares, so a secondary is promoted into the same shape. */
export function sharedClusterSettings(props: {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly key: kms.IKey;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly deletionProtection: boolean;
}) {
  return {
    serverlessV2MinCapacity: props.minCapacity,
    serverlessV2MaxCapacity: props.maxCapacity,
    vpc: props.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [props.securityGroup],
    port: DATABASE_PORT,
    parameters: { ...CLUSTER_PARAMETERS },
    storageEncrypted: true,
    storageEncryptionKey: props.key,
    enablePerformanceInsights: true,
    performanceInsightEncryptionKey: props.key,
    performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
    cloudwatchLogsExports: ['postgresql'],
    deletionProtection: props.deletionProtection,
    removalPolicy: RemovalPolicy.SNAPSHOT,
  } satisfies Partial<rds.DatabaseClusterProps>;
}

export function instanceInsights(key: kms.IKey) {
  return {
    enablePerformanceInsights: true,
    performanceInsightEncryptionKey: key,
    performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
  } as const;
}

/** A group for a function that calls AWS APIs over HTTPS (through the NAT gateway or an endpoint). */
export function awsApiClientGroup(
  scope: Construct,
  id: string,
  vpc: ec2.IVpc,
  what: string,
): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, {
    vpc,
    description: `${what}: HTTPS to AWS APIs, PostgreSQL to the cluster`,
    allowAllOutbound: false,
  });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');
  return group;
}

/**
 * The log group RDS exports PostgreSQL's log to, created first so it is encrypted and expires. Its name is
 * fixed by RDS, hence the fixed cluster identifier.
 */
export function clusterLogGroup(
  scope: Construct,
  clusterIdentifier: string,
  key: kms.IKey,
  retention: logs.RetentionDays,
): logs.LogGroup {
  return new logs.LogGroup(scope, 'PostgresLog', {
    logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
    encryptionKey: key,
    retention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/**
 * The estate key of another region, named by its alias ARN: a deterministic name instead of a
 * cross-region reference (Secrets Manager and RDS accept an alias ARN wherever they take a key).
 */
export function regionKeyByAlias(scope: Construct, id: string, region: string, aliasName: string): kms.IKey {
  const { partition, account } = Stack.of(scope);
  return kms.Key.fromKeyArn(scope, id, `arn:${partition}:kms:${region}:${account}:${aliasName}`);
}

/** The cdk-nag findings that are choices of the config or the profile, with the reason for each. */
export function acknowledgeClusterChoices(
  cluster: rds.DatabaseCluster,
  deletionProtection: boolean,
  iamAuthentication: boolean,
): void {
  if (!iamAuthentication) {
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-RDS6',
      reason:
        'The service logs in with a rotated Secrets Manager password it reads through SSM; no IAM tokens',
    });
  }
  if (!deletionProtection) {
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason:
        'Deletion protection is off by the profile or config (lab tear-down); deletion leaves a snapshot',
    });
  }
}

/**
 * Turns a new cluster into one restored from `snapshotArn`, as DatabaseClusterFromSnapshot renders it: the
 * user name and the database come from the snapshot, so CloudFormation must not be given them, while the
 * password is still set, to the generated secret's, which the rotation and the app-user function log in
 * with. The storage is re-encrypted with this cluster's key (KmsKeyId), whatever key the snapshot had.
 */
function restoreFromSnapshot(cluster: rds.DatabaseCluster, snapshotArn: string): void {
  const resource = cluster.node.defaultChild as rds.CfnDBCluster;
  resource.snapshotIdentifier = snapshotArn;
  resource.masterUsername = undefined;
  resource.databaseName = undefined;
}
