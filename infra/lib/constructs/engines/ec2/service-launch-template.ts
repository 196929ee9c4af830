import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Where the revision's hooks find what the instance is: written by the user data, read by the hooks. */
export const INSTANCE_ENV_FILE = '/etc/hello/instance.env';

/** Props of {@link ServiceLaunchTemplate}. */
export interface ServiceLaunchTemplateProps {
  /** `fleet` or `asg`: written into the instance env file. */
  readonly engine: string;
  /** SSM parameter of the AMI id, resolved by EC2 at every launch. */
  readonly amiParameter: string;
  /** Instance type, from the profile. */
  readonly instanceType: ec2.InstanceType;
  /** Instance role. */
  readonly role: iam.IRole;
  /** Instance security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The region's estate key: encrypts the root volume. */
  readonly key: kms.IKey;
  /** The settings parameter the service reads. */
  readonly settingsParameterName: string;
  /** The log group the CloudWatch agent ships to. */
  readonly logGroupName: string;
}

/**
 * The one launch template of an engine: AMI resolved from SSM at launch (a new golden AMI needs no
 * deploy), IMDSv2 required, no key pair, encrypted gp3 root, and user data that leaves the instance
 * ready for CodeDeploy: the instance env file, and the CloudWatch and CodeDeploy agents when the image
 * lacks them. The revision's hooks do everything else.
 *
 * The user data installs these packages and nothing more: no full package update, which would make
 * every scale-out slower and land whatever the repositories hold that minute. Patches arrive with the
 * AMI the SSM parameter names (the golden AMI bakes them).
 */
export class ServiceLaunchTemplate extends Construct {
  /** The launch template. */
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: ServiceLaunchTemplateProps) {
    super(scope, id);
    const { region, urlSuffix } = Stack.of(this);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',
      'install -d -m 0755 /etc/hello',
      `cat > ${INSTANCE_ENV_FILE} <<'ENV'`,
      `ENGINE=${props.engine}`,
      `AWS_REGION=${region}`,
      `SETTINGS_PARAMETER=${props.settingsParameterName}`,
      `LOG_GROUP=${props.logGroupName}`,
      'ENV',
      // The golden AMI has both agents: only an image without them (the public base image before the
      // first bake) installs them here, from the repositories and the regional public bucket over HTTPS
      // (so the role needs no S3 grant).
      'if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then',
      '  dnf install -y amazon-cloudwatch-agent',
      'fi',
      'if [ ! -x /opt/codedeploy-agent/bin/codedeploy-agent ]; then',
      '  dnf install -y ruby',
      `  curl -fsSL -o /tmp/codedeploy-install https://aws-codedeploy-${region}.s3.${region}.${urlSuffix}/latest/install`,
      '  chmod +x /tmp/codedeploy-install',
      '  /tmp/codedeploy-install auto',
      '  rm -f /tmp/codedeploy-install',
      'else',
      '  systemctl start codedeploy-agent',
      'fi',
    );

    this.launchTemplate = new ec2.LaunchTemplate(this, 'Resource', {
      machineImage: ec2.MachineImage.resolveSsmParameterAtLaunch(props.amiParameter, {
        os: ec2.OperatingSystemType.LINUX,
      }),
      instanceType: props.instanceType,
      role: props.role,
      securityGroup: props.securityGroup,
      userData,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      // One-minute CPU metrics: target tracking reacts in minutes instead of five-minute steps.
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(16, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            kmsKey: props.key,
            deleteOnTermination: true,
          }),
        },
      ],
    });
  }
}
