import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { lookUpAtDeployTime } from '../foundation/deploy-time-lookup.ts';

/**
 * Aurora PostgreSQL 16: global write forwarding works in every 16.x minor version (14 and 15 need recent
 * minors), and Serverless v2 instances may belong to a global database. The minor version is not pinned:
 * RDS retires minors for new clusters, so one that synthesized fine would fail a first deploy later.
 */
export const AURORA_MAJOR_VERSION = '16';

/** The Aurora PostgreSQL engine at `fullVersion`, with the parameter group family of the major version. */
export function auroraEngine(fullVersion: string): rds.IClusterEngine {
  return rds.DatabaseClusterEngine.auroraPostgres({
    version: rds.AuroraPostgresEngineVersion.of(fullVersion, AURORA_MAJOR_VERSION),
  });
}

/** Props of {@link AuroraDefaultVersion}. */
export interface AuroraDefaultVersionProps {
  /**
   * The major version whose default minor is wanted.
   * @default AURORA_MAJOR_VERSION
   */
  readonly majorVersion?: string;
}

/**
 * The default minor version of an Aurora PostgreSQL major version in this region, looked up at deploy
 * time when the resource is created (and again only if the major version changes): a cluster is created
 * on a version RDS still offers, and later deployments leave its version alone (minor upgrades are RDS's
 * maintenance, not the template's).
 */
export class AuroraDefaultVersion extends Construct {
  /** The full version, such as `16.6`. */
  readonly engineVersion: string;

  constructor(scope: Construct, id: string, props: AuroraDefaultVersionProps = {}) {
    super(scope, id);
    const major = props.majorVersion ?? AURORA_MAJOR_VERSION;
    this.engineVersion = lookUpAtDeployTime(this, {
      resourceType: 'Custom::AuroraDefaultVersion',
      call: {
        service: 'RDS',
        action: 'describeDBEngineVersions',
        // The family is the major version, exactly; DefaultOnly keeps the one default minor of it.
        parameters: {
          Engine: 'aurora-postgresql',
          DBParameterGroupFamily: `aurora-postgresql${major}`,
          DefaultOnly: true,
        },
        physicalResourceId: cr.PhysicalResourceId.of(`aurora-postgresql${major}`),
      },
      outputPath: 'DBEngineVersions.0.EngineVersion',
      anyResourceReason: 'rds:DescribeDBEngineVersions has no resource type: IAM accepts only "*"',
    });
  }
}

/** Props of {@link GlobalDatabaseVersion}. */
export interface GlobalDatabaseVersionProps {
  /** The global database, by its identifier. */
  readonly globalClusterIdentifier: string;
  /** The region of its primary cluster, whose RDS endpoint answers. */
  readonly primaryRegion: string;
}

/**
 * The engine version a global database runs, read at deploy time from the primary's region: a secondary
 * cluster must join on exactly that version, which may have moved since the primary was created (RDS
 * minor upgrades). Read again only if the global database changes: afterwards the global database
 * upgrades its members together.
 */
export class GlobalDatabaseVersion extends Construct {
  /** The full version, such as `16.6`. */
  readonly engineVersion: string;

  constructor(scope: Construct, id: string, props: GlobalDatabaseVersionProps) {
    super(scope, id);
    const { partition, account } = Stack.of(this);
    this.engineVersion = lookUpAtDeployTime(this, {
      resourceType: 'Custom::GlobalDatabaseVersion',
      call: {
        service: 'RDS',
        action: 'describeGlobalClusters',
        parameters: { GlobalClusterIdentifier: props.globalClusterIdentifier },
        region: props.primaryRegion,
        physicalResourceId: cr.PhysicalResourceId.of(props.globalClusterIdentifier),
      },
      outputPath: 'GlobalClusters.0.EngineVersion',
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['rds:DescribeGlobalClusters'],
          // A global cluster's ARN has no region.
          resources: [`arn:${partition}:rds::${account}:global-cluster:${props.globalClusterIdentifier}`],
        }),
      ]),
    });
  }
}
