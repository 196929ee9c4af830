import type { Construct } from 'constructs';
import type { EstateConfig } from '../../config/index.ts';
import { type DelegationPlan, DelegationRole } from '../constructs/traffic/delegation.ts';
import { EDGE_REGION } from '../constructs/traffic/names.ts';
import { EstateStack } from './estate-stack.ts';

/** Props of {@link RecoveryDnsStack}. */
export interface RecoveryDnsStackProps {
  /** The validated topology. */
  readonly config: EstateConfig;
  /** The delegation, held by another account than the primary one. */
  readonly plan: DelegationPlan;
}

/**
 * The parent zone's side of the delegation (DR-3), in the account that holds it (the recovery account):
 * a zone that died with the primary account could not move users anywhere, so the NS record set of
 * `dns.domainName` lives here, written by the primary account through a role that may touch nothing
 * else. After the primary's loss the recovered estate rewrites that record itself.
 */
export class RecoveryDnsStack extends EstateStack {
  /** The parent zone and the role. */
  readonly delegation: DelegationRole;

  constructor(scope: Construct, props: RecoveryDnsStackProps) {
    const { config, plan } = props;
    if (plan.inAccount)
      throw new Error('the parent zone is in the primary account: it needs no recovery stack');
    const settings = config.regions[EDGE_REGION];
    super(scope, {
      config,
      // Route 53 is global; its control plane is in us-east-1, where the estate's own zone lives too.
      site: {
        role: 'recovery',
        account: plan.parentAccount,
        region: EDGE_REGION,
        availabilityZones: settings?.availabilityZones ?? [],
        vpcCidr: settings?.vpcCidr ?? '',
      },
      concern: 'Dns',
      description: `parent zone ${plan.parentZoneName}: the delegation of ${plan.recordName} that outlives the primary account`,
    });
    this.delegation = new DelegationRole(this, 'Delegation', {
      plan,
      trustedAccount: config.accounts.primary,
    });
  }
}
