import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { InterfaceEndpointSettings } from '../../../config/index.ts';

/** Props of {@link Network}. */
export interface NetworkProps {
  /** The VPC's range (distinct per region). */
  readonly cidr: string;
  /** The AZs to span, from the config. */
  readonly availabilityZones: readonly string[];
  /** NAT gateways (1: one shared, cheapest; one per AZ: an AZ loss keeps egress). */
  readonly natGateways: number;
  /** Interface endpoints so instances reach SSM (and more) without a NAT gateway. */
  readonly interfaceEndpoints: InterfaceEndpointSettings;
  /** Key of the flow-log group. */
  readonly key: kms.IKey;
  /** Retention of the flow-log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The region's VPC: public subnets (load balancers, NAT), private subnets with egress (instances,
 * tasks, functions) and isolated subnets (databases), across three AZs, with flow logs.
 */
export class Network extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;
  /** Security group of the interface endpoints; engines allow their compute to reach it. */
  readonly endpointSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Gateway endpoints are free and keep S3/DynamoDB traffic (artifacts, logs, packages) off NAT.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.key,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // One group for all endpoints, opened to the VPC range given as a literal: the default rule refers
    // to the VPC's CidrBlock attribute, which cdk-nag cannot evaluate.
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(props.cidr),
      ec2.Port.tcp(443),
      'HTTPS from the VPC',
    );
    const endpointAzs = props.availabilityZones.slice(0, props.interfaceEndpoints.azCount);
    for (const service of props.interfaceEndpoints.services) {
      this.vpc.addInterfaceEndpoint(endpointId(service), {
        service: new ec2.InterfaceVpcEndpointAwsService(service),
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: endpointAzs },
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
    }
  }
}

/** `ssmmessages` → `SsmmessagesEndpoint`: stable ids, so adding a service never replaces another. */
function endpointId(service: string): string {
  return `${service.charAt(0).toUpperCase()}${service.slice(1)}Endpoint`;
}
