import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import {
  type AwsRegion,
  databaseNames,
  type EstateConfig,
  estateKeyAlias,
  type Site,
} from '../../config/index.ts';
import type { DatabaseReader } from '../constructs/data/database-access.ts';
import { DatabaseAppUser } from '../constructs/data/database-app-user.ts';
import { DatabaseCluster, regionKeyByAlias } from '../constructs/data/database-cluster.ts';
import { DatabaseEndpoint } from '../constructs/data/database-endpoint.ts';
import { DatabaseEvents } from '../constructs/data/database-events.ts';
import { DatabaseSecondary } from '../constructs/data/database-secondary.ts';
import type { ServiceSettingsTarget } from '../constructs/engines/service-settings.ts';
import { PublishedParameters } from '../constructs/foundation/published-parameters.ts';
import { EstateStack } from './estate-stack.ts';
import type { FoundationStack } from './foundation-stack.ts';

/** Props of {@link DataStack}. */
export interface DataStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The account and region: the home region holds the primary, another a secondary. */
  readonly site: Site;
  /** The foundation of the same site: VPC, key, alarm topic. */
  readonly foundation: FoundationStack;
  /** The home region's data stack, which a secondary's stack waits for (the global database must exist). */
  readonly primary?: DataStack;
  /** Home region only: the Aurora cluster snapshot the primary is restored from. @default - a new, empty cluster */
  readonly snapshotArn?: string;
}

/** What an engine of the region hands over to use the database. */
export interface DatabaseConsumer {
  /** Its compute's security group(s). */
  readonly connections: ec2.IConnectable;
  /** Where its service reads settings (a parameter of lines, a function's environment): gets DB_SECRET_PARAMETER. */
  readonly settings: ServiceSettingsTarget;
  /** The identity its service runs as. */
  readonly role: DatabaseReader;
  /** A name for the security group rules. */
  readonly name: string;
}

/** Days between rotations of the database passwords. */
const ROTATION_DAYS = 30;

/**
 * The estate's data in one region: the primary cluster of the Aurora PostgreSQL global database (home
 * region) with its master and application secrets and the application user, or a secondary cluster with
 * write forwarding; RDS events to the alarm topic; the endpoint published for the engines.
 */
export class DataStack extends EstateStack {
  /** The region's cluster. */
  readonly cluster: rds.DatabaseCluster;
  /** The primary (home region only). */
  readonly primary?: DatabaseCluster;
  /** The secondary (other database regions). */
  readonly secondary?: DatabaseSecondary;
  /** The application user and its secret (home region only; other regions read the replica). */
  readonly appUser?: DatabaseAppUser;
  /** RDS events to the alarm topic. */
  readonly events: DatabaseEvents;
  /** What keeps every region's endpoint parameter right after a switchover or failover. */
  readonly endpoint: DatabaseEndpoint;
  private readonly foundation: FoundationStack;

  constructor(scope: Construct, props: DataStackProps) {
    super(scope, {
      ...props,
      concern: 'Data',
      description: 'Aurora PostgreSQL global database cluster, its secrets and events',
    });
    const { config, site, foundation } = props;
    this.foundation = foundation;
    const names = databaseNames(config);
    const key = foundation.key.key;
    const vpc = foundation.network.vpc;
    const logRetention = this.profile.logRetentionDays as RetentionDays;
    const capacity = config.database.capacity ?? {
      minAcu: this.profile.database.minCapacityAcu,
      maxAcu: this.profile.database.maxCapacityAcu,
    };
    const deletionProtection = config.database.deletionProtection ?? this.profile.database.deletionProtection;
    const clusterIdentifier = `${config.appName.toLowerCase()}-${site.region}`;
    const [firstZone, secondZone] = site.availabilityZones;
    if (firstZone === undefined || secondZone === undefined) throw new Error(`${site.region}: needs two AZs`);

    if (site.region === config.homeRegion) {
      const replicaRegions = config.database.secondaryRegions.map((region) => ({
        region,
        encryptionKey: regionKeyByAlias(this, `Key-${region}`, region, estateKeyAlias(config)),
      }));
      this.primary = new DatabaseCluster(this, 'Database', {
        vpc,
        availabilityZones: [firstZone, secondZone],
        key,
        clusterIdentifier,
        globalClusterIdentifier: names.globalClusterIdentifier,
        databaseName: names.databaseName,
        masterUsername: names.masterUsername,
        masterSecretName: names.masterSecretName,
        replicaRegions,
        minCapacity: capacity.minAcu,
        maxCapacity: capacity.maxAcu,
        backupRetention: Duration.days(config.database.backupRetentionDays),
        deletionProtection,
        logRetention,
        rotationDays: ROTATION_DAYS,
        snapshotArn: props.snapshotArn,
      });
      this.cluster = this.primary.cluster;
      this.appUser = new DatabaseAppUser(this, 'AppUser', {
        database: this.primary,
        vpc,
        key,
        databaseName: names.databaseName,
        username: names.appUsername,
        secretName: names.appSecretName,
        replicaRegions,
        // A protected cluster outlives a stack deletion; the role the service logs in with must too.
        retainOnDelete: deletionProtection,
        rotationDays: ROTATION_DAYS,
        logRetention,
      });
      // The master password must not change while the app-user function is logged in with it.
      this.primary.rotation.node.addDependency(this.appUser.resource);
    } else {
      if (props.primary === undefined) throw new Error(`${this.stackName}: a secondary needs the primary`);
      if (props.snapshotArn !== undefined) {
        throw new Error(`${this.stackName}: only the home region's primary is restored from a snapshot`);
      }
      this.secondary = new DatabaseSecondary(this, 'Database', {
        vpc,
        availabilityZone: firstZone,
        key,
        clusterIdentifier,
        globalClusterIdentifier: names.globalClusterIdentifier,
        primaryRegion: config.homeRegion,
        minCapacity: capacity.minAcu,
        maxCapacity: capacity.maxAcu,
        deletionProtection,
        logRetention,
      });
      this.cluster = this.secondary.cluster;
      // Order only (no value crosses): the global cluster must exist before a secondary can join it.
      this.addStackDependency(props.primary);
    }

    this.events = new DatabaseEvents(this, 'Events', {
      cluster: this.cluster,
      topic: foundation.alarms.topic,
      key,
    });
    // The endpoint for the role the cluster is deployed in; DatabaseEndpoint keeps it right afterwards.
    new PublishedParameters(this, 'Parameters', {
      values: {
        [names.endpointParameter(site.region)]: DatabaseEndpoint.forRole(
          this.cluster,
          this.primary !== undefined,
        ),
      },
    });
    const members = [config.homeRegion, ...config.database.secondaryRegions];
    this.endpoint = new DatabaseEndpoint(this, 'Endpoint', {
      cluster: this.cluster,
      globalClusterIdentifier: names.globalClusterIdentifier,
      parameterName: (region) => names.endpointParameter(region as AwsRegion),
      members: Object.fromEntries(
        members.map((region) => [region, `${config.appName.toLowerCase()}-${region}`]),
      ),
      key,
      logRetention,
    });
  }

  /**
   * Lets an engine of this region use the database: 5432 from its compute, the DB_SECRET_PARAMETER
   * setting and exactly the reads that setting needs. The secret's `host` is the home cluster's writer
   * endpoint (in a secondary region its replica, a copy), which is wrong in a secondary region (another
   * VPC) and in the home region too once a switchover has made its cluster a secondary. So in every
   * region DB_HOST_PARAMETER names the region's endpoint parameter, whose value (the local cluster's
   * endpoint for its current role, see DatabaseEndpoint) the service connects to instead.
   */
  connect(consumer: DatabaseConsumer): void {
    if (Stack.of(consumer.settings).region !== this.region) {
      throw new Error(`${this.stackName}: ${consumer.name} is in another region`);
    }
    // The setting names a secret this stack makes: deploy order, whatever the rules reference.
    Stack.of(consumer.settings).addStackDependency(this);
    const names = databaseNames(this.config);
    const description = `${consumer.name} to PostgreSQL`;
    if (this.primary !== undefined) this.primary.allowFrom(consumer.connections, description);
    else this.secondary?.allowFrom(consumer.connections, description);
    consumer.settings.addValue('DB_SECRET_PARAMETER', names.appSecretReference);
    consumer.role.allowDatabaseSecret({
      referenceName: names.appSecretReference,
      secretArn: appSecretArn(this, this.site.region, names.appSecretName),
      key: this.foundation.key.key,
    });
    const endpoint = names.endpointParameter(this.site.region);
    consumer.settings.addValue('DB_HOST_PARAMETER', endpoint);
    consumer.role.allowDatabaseHost(endpoint);
  }
}

/**
 * The app secret (or its replica) by name: Secrets Manager appends six random characters, which `??????`
 * matches exactly. A name, not a reference, because the replica in a secondary region has no construct.
 */
function appSecretArn(stack: Stack, region: AwsRegion, secretName: string): string {
  return `arn:${stack.partition}:secretsmanager:${region}:${stack.account}:secret:${secretName}-??????`;
}
