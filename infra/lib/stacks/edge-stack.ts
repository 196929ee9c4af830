import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { OopsSite } from '../constructs/edge/oops-site.ts';
import { edgeSite, trafficNames } from '../constructs/traffic/names.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link EdgeStack}. */
export interface EdgeStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The us-east-1 certificate of `app.<domain>` and `ab.<domain>` (the DNS stack's). */
  readonly certificate: acm.ICertificate;
}

/**
 * The estate's CloudFront distributions (`features.edge`): the oops site, answering `app.<domain>` when
 * every region is down (DR-1). In us-east-1, where CloudFront takes its certificates.
 */
export class EdgeStack extends EstateStack {
  /** The oops page. */
  readonly oops: OopsSite;

  constructor(scope: Construct, props: EdgeStackProps) {
    const { config } = props;
    super(scope, {
      config,
      site: edgeSite(config),
      concern: 'Edge',
      description: 'CloudFront: the oops page behind app',
    });
    const names = trafficNames(config);
    this.oops = new OopsSite(this, 'Oops', { domainNames: [names.app], certificate: props.certificate });
  }
}
