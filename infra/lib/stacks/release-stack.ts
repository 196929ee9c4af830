import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { releaseNames } from '../constructs/delivery/release-names.ts';
import { ReleaseWatch } from '../constructs/delivery/release-watch.ts';
import { allowStandbyRead, type StandbyReader } from '../constructs/delivery/standby-artifact-access.ts';
import { enginesIn, UserPathCanary } from '../constructs/delivery/user-path-canary.ts';
import { environmentHealthAlarm } from '../constructs/engines/beanstalk/environment-health-alarm.ts';
import { ArtifactBucket } from '../constructs/engines/ec2/artifact-bucket.ts';
import { EstateStack } from './estate-stack.ts';
import type { EngineStackProps } from './fleet-stack.ts';

/** Props of {@link ReleaseStack}. */
export interface ReleaseStackProps extends EngineStackProps {
  /** The rollback alarms of every engine of the region. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The region's Beanstalk environment, which has no rollback alarms of its own: its health joins. */
  readonly beanstalkEnvironment?: string;
  /** The recovery account's delivery role, when the pipeline's Standby action runs in this region. */
  readonly standbyReader?: StandbyReader;
}

/**
 * What the pipeline needs in each region it releases to (CICD-3, CICD-10): the bucket its artifacts are
 * replicated into, encrypted with the region's estate key (a customer-managed key), and the region's
 * release watch, the alarm its stage conditions wait on.
 */
export class ReleaseStack extends EstateStack {
  readonly artifacts: ArtifactBucket;
  readonly watch: ReleaseWatch;
  /** The region's user-path canary (CICD-11), unless `pipeline.canary` is off. */
  readonly canary?: UserPathCanary;

  constructor(scope: Construct, props: ReleaseStackProps) {
    super(scope, {
      ...props,
      concern: 'Release',
      description:
        'pipeline artifact bucket (estate key), the user-path canary and the release watch alarm of the region',
    });
    const { config, foundation, site } = props;
    const names = releaseNames(config, site);
    this.artifacts = new ArtifactBucket(this, 'Artifacts', {
      bucketName: names.artifactBucket,
      key: foundation.key.key,
      accessLogs: foundation.accessLogs.bucket,
    });
    if (props.standbyReader !== undefined) {
      allowStandbyRead(this.artifacts.bucket, foundation.key.key, props.standbyReader, site.region);
    }
    const alarms = [...props.alarms];
    if (props.beanstalkEnvironment !== undefined) {
      alarms.push(
        environmentHealthAlarm(this, 'BeanstalkHealth', {
          alarmDescription: 'Release watch: the Beanstalk environment is degraded or severe',
          environmentName: props.beanstalkEnvironment,
        }),
      );
    }
    if (config.pipeline.canary.enabled && enginesIn(config, site.region).length > 0) {
      this.canary = new UserPathCanary(this, 'UserPath', {
        config,
        key: foundation.key.key,
        accessLogs: foundation.accessLogs.bucket,
        topic: foundation.alarms.topic,
      });
      alarms.push(this.canary.alarm);
    }
    this.watch = new ReleaseWatch(this, 'Watch', {
      alarmName: names.watchAlarm,
      alarms,
      topic: foundation.alarms.topic,
    });
  }
}
