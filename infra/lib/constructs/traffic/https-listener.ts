import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/** TLS 1.2 and 1.3 only, with forward secrecy: the policy AWS recommends for new HTTPS listeners (SEC-1). */
export const TLS_POLICY = elbv2.SslPolicy.RECOMMENDED_TLS;

/** Props of {@link serveHttps}. */
export interface ServeHttpsProps {
  /** The certificate of the balancer's names, in its region. */
  readonly certificate: acm.ICertificate;
  /** What the HTTPS listener does with a request no rule takes. */
  readonly defaultAction: elbv2.ListenerAction;
  /**
   * Construct id of the port-80 listener. An existing balancer keeps the id of its former plain listener,
   * so CloudFormation updates it in place: a new id would create a second listener on port 80 before
   * deleting the old one, which the balancer refuses.
   */
  readonly redirectId: string;
}

/**
 * SEC-1 on an internet-facing ALB: HTTPS on 443 with {@link TLS_POLICY}, and port 80 only redirecting
 * to it (301, path and query kept). Both ports are opened to the world on the balancer's security group.
 */
export function serveHttps(
  balancer: elbv2.ApplicationLoadBalancer,
  props: ServeHttpsProps,
): elbv2.ApplicationListener {
  balancer.addListener(props.redirectId, {
    port: 80,
    protocol: elbv2.ApplicationProtocol.HTTP,
    open: true,
    defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
  });
  return balancer.addListener('Https', {
    port: 443,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    certificates: [props.certificate],
    sslPolicy: TLS_POLICY,
    open: true,
    defaultAction: props.defaultAction,
  });
}
