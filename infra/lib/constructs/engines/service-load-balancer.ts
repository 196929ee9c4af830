import { Duration, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { serveHttps } from '../traffic/https-listener.ts';

/** The port the service listens on, on every instance (the revision's systemd unit uses it too). */
export const SERVICE_PORT = 8080;
/** The instance health check: cheap, no database (`/health/deep` is for Route 53, never for instances). */
export const HEALTH_CHECK_PATH = '/health';

/** Props of {@link ServiceLoadBalancer}. */
export interface ServiceLoadBalancerProps {
  /** The region's VPC: the balancer in its public subnets. */
  readonly vpc: ec2.IVpc;
  /** Where the balancer writes its access logs (an SSE-S3 bucket: ALB log delivery accepts nothing else). */
  readonly accessLogs: s3.IBucket;
  /** Prefix of the access logs in that bucket. */
  readonly accessLogPrefix: string;
  /** How long a deregistered instance keeps its in-flight requests (draining in deployments and scale-in). */
  readonly deregistrationDelay: Duration;
  /** The certificate of the engine's names in the region (SEC-1). */
  readonly certificate: acm.ICertificate;
}

/**
 * An internet-facing ALB serving HTTPS on 443 (port 80 only redirects), one target group of instances
 * on 8080 checked on /health, and the two security groups that make the balancer the only way in.
 */
export class ServiceLoadBalancer extends Construct {
  /** The balancer. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** Its HTTPS listener. */
  readonly listener: elbv2.ApplicationListener;
  /** The target group every instance of the engine registers in. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Security group of the instances: reachable from the balancer on the service port only. */
  readonly instanceSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceLoadBalancerProps) {
    super(scope, id);
    const balancerGroup = new ec2.SecurityGroup(this, 'BalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Load balancer: HTTP from anywhere, to the instances on the service port',
      allowAllOutbound: false,
    });
    Validations.of(balancerGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The public listener of the service must be reachable from anywhere; it is the only open port',
    });
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: 'Instances: the service port from the load balancer only; no SSH (Session Manager)',
      // Instances reach SSM, CodeDeploy, S3, CloudWatch and the package repositories on 443.
      allowAllOutbound: true,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: balancerGroup,
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, props.accessLogPrefix);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: SERVICE_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: props.deregistrationDelay,
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        port: String(SERVICE_PORT),
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        // In service after 30 s of answers, out after 45 s of silence: fast enough for a deployment's
        // ValidateService, slow enough not to flap on one garbage collection.
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.listener = serveHttps(this.loadBalancer, {
      certificate: props.certificate,
      defaultAction: elbv2.ListenerAction.forward([this.targetGroup]),
      redirectId: 'Http',
    });
    this.instanceSecurityGroup.connections.allowFrom(
      balancerGroup,
      ec2.Port.tcp(SERVICE_PORT),
      'Service port from the load balancer',
    );
  }
}
