import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of {@link ServiceLogGroup}. */
export interface ServiceLogGroupProps {
  /** `/hello/<engine>/service`: the CloudWatch agent of the revision ships the service's JSON lines here. */
  readonly logGroupName: string;
  /** The region's estate key (its policy lets logs.<region>.amazonaws.com use it for this account's groups). */
  readonly key: kms.IKey;
  /** Retention, from the profile. */
  readonly retention: logs.RetentionDays;
}

/** The log group of an engine's service in one region. */
export class ServiceLogGroup extends Construct {
  /** The group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceLogGroupProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      encryptionKey: props.key,
      retention: props.retention,
      // A retained group of this fixed name would make the next creation of the stack fail.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
