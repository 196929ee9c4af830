import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { auroraEngine, GlobalDatabaseVersion } from './aurora-engine-version.ts';
import {
  acknowledgeClusterChoices,
  allowPostgres,
  clusterLogGroup,
  instanceInsights,
  sharedClusterSettings,
} from './database-cluster.ts';

/** Props of {@link DatabaseSecondary}. */
export interface DatabaseSecondaryProps {
  /** The region's VPC; the cluster lives in its isolated subnets. */
  readonly vpc: ec2.IVpc;
  /** The AZ of the cluster's instance. */
  readonly availabilityZone: string;
  /** The region's estate key: storage, Performance Insights and log group (a key never leaves its region). */
  readonly key: kms.IKey;
  /** Cluster identifier, also the name of its log group. */
  readonly clusterIdentifier: string;
  /** The global database to join, by its (deterministic) identifier. */
  readonly globalClusterIdentifier: string;
  /** The region of the global database's primary cluster, which tells the version to join on. */
  readonly primaryRegion: string;
  /** Serverless v2 lower bound, in ACUs. */
  readonly minCapacity: number;
  /** Serverless v2 upper bound, in ACUs. */
  readonly maxCapacity: number;
  /** Refuse deletion of the cluster. */
  readonly deletionProtection: boolean;
  /** Retention of the exported PostgreSQL log. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * A secondary cluster of the global database: storage replicated from the primary (typically under a
 * second), one Serverless v2 instance that serves reads and forwards writes to the primary, and the
 * cluster a managed failover or switchover promotes when the home region is lost.
 */
export class DatabaseSecondary extends Construct {
  /** The cluster. */
  readonly cluster: rds.DatabaseCluster;
  /** The cluster's security group. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The exported PostgreSQL log. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DatabaseSecondaryProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora PostgreSQL secondary: 5432 from the engines only',
      allowAllOutbound: false,
    });
    this.logGroup = clusterLogGroup(this, props.clusterIdentifier, props.key, props.logRetention);
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      // A secondary joins on exactly the version the global database runs.
      engine: auroraEngine(new GlobalDatabaseVersion(this, 'EngineVersion', props).engineVersion),
      clusterIdentifier: props.clusterIdentifier,
      // One instance: reads and forwarded writes of the region's engines. A promotion keeps it as the
      // writer; a reader can be added after a failover (cost of the lab before AZ redundancy there).
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        availabilityZone: props.availabilityZone,
        ...instanceInsights(props.key),
      }),
      ...sharedClusterSettings({ ...props, securityGroup: this.securityGroup }),
    });
    this.cluster.node.addDependency(this.logGroup);

    // The L2 has no notion of a global database, so three L1 settings:
    const cfn = this.cluster.node.defaultChild as rds.CfnDBCluster;
    // 1. join the global database by name (the primary's stack is in another region: no reference);
    cfn.globalClusterIdentifier = props.globalClusterIdentifier;
    // 2. let the region's engines write through this cluster: Aurora forwards the statements to the
    //    primary's writer, so a region with a secondary still serves POST /store;
    cfn.enableGlobalWriteForwarding = true;
    // 3. no master credentials: a secondary inherits the primary's users (CloudFormation rejects a master
    //    user here), and the L2's generated secret would be a second, unused password.
    cfn.masterUsername = undefined;
    cfn.masterUserPassword = undefined;
    this.cluster.node.tryRemoveChild('Secret');
    acknowledgeClusterChoices(this.cluster, props.deletionProtection, false);
  }

  /** Opens 5432 to `peer`; the rules live in the peer's stack, so this stack never depends on it. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    allowPostgres(this.securityGroup, peer, description);
  }
}
