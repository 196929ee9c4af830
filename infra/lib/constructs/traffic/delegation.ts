import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { type EstateConfig, PROFILES, recoveryAccount } from '../../../config/index.ts';

/** The type of the record CDK's CrossAccountZoneDelegationRecord writes, as it appears in a template. */
export const DELEGATION_RESOURCE_TYPE = 'Custom::CrossAccountZoneDelegation';

/**
 * Where the delegation of `dns.domainName` lives and how it is written, all from the config, so the DNS
 * stack, the recovery account's stack and the `recover` command agree without reading each other.
 */
export interface DelegationPlan {
  /** The parent zone's name. */
  readonly parentZoneName: string;
  /** The parent zone's id when the config gives it; otherwise found by name (the recovery stack created it). */
  readonly parentZoneId?: string;
  /** The account holding the parent zone. */
  readonly parentAccount: string;
  /** The NS record set the parent holds: `dns.domainName`. */
  readonly recordName: string;
  /** True when the parent zone is in the estate's primary account (the recovered estate). */
  readonly inAccount: boolean;
  /** The role of the parent's account that may write that one record (cross-account only). */
  readonly roleName: string;
  /** TTL of the NS records, from the profile. */
  readonly ttlSeconds: number;
}

/** The plan of `dns.delegation`; undefined without one (the registrar delegates). */
export function delegationPlan(config: EstateConfig): DelegationPlan | undefined {
  const delegation = config.dns.delegation;
  if (delegation === undefined) return undefined;
  const parentAccount = delegation.parentAccount ?? recoveryAccount(config);
  return {
    parentZoneName: delegation.parentZoneName,
    ...(delegation.parentZoneId === undefined ? {} : { parentZoneId: delegation.parentZoneId }),
    parentAccount,
    recordName: config.dns.domainName,
    inAccount: parentAccount === config.accounts.primary,
    // `-Recovery-` in the name: the recovery account's execution policy passes only its own stacks' roles.
    roleName: `${config.appName}-Recovery-DnsDelegation`,
    ttlSeconds: PROFILES[config.profile].delegationTtlSeconds,
  };
}

/** Props of {@link DelegationRole}. */
export interface DelegationRoleProps {
  /** The plan of the delegation (from {@link delegationPlan}). */
  readonly plan: DelegationPlan;
  /** The account allowed to assume the role: the primary account, whose DNS stack writes the record. */
  readonly trustedAccount: string;
}

/**
 * The parent's side of the delegation, in the account that outlives the primary one: the parent zone
 * (created unless the config names it) and a role the primary account assumes to write the NS record set
 * of `dns.domainName` in it, and nothing else. The zone is kept on delete: the registrar of the parent
 * points at its name servers, and a new zone would get other ones.
 */
export class DelegationRole extends Construct {
  /** The parent zone. */
  readonly parentZone: route53.IHostedZone;
  /** The role. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DelegationRoleProps) {
    super(scope, id);
    const { plan } = props;
    if (plan.parentZoneId === undefined) {
      const zone = new route53.PublicHostedZone(this, 'ParentZone', {
        zoneName: plan.parentZoneName,
        comment: `parent of ${plan.recordName}: holds its delegation, outside the account that runs it`,
      });
      zone.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.parentZone = zone;
    } else {
      // Not PublicHostedZone.fromPublicHostedZoneAttributes: in aws-cdk-lib 2.276 its hostedZoneRef gives
      // the zone's name as its id, so grantDelegation would scope the role to a zone ARN that never exists.
      this.parentZone = route53.HostedZone.fromHostedZoneAttributes(this, 'ParentZone', {
        hostedZoneId: plan.parentZoneId,
        zoneName: plan.parentZoneName,
      });
    }
    this.role = new iam.Role(this, 'Role', {
      roleName: plan.roleName,
      assumedBy: new iam.AccountPrincipal(props.trustedAccount),
      description: `lets ${props.trustedAccount} write the NS records of ${plan.recordName} in ${plan.parentZoneName}, nothing else`,
      maxSessionDuration: Duration.hours(1),
    });
    // CDK writes the condition keys: NS records only, UPSERT or DELETE, of this one normalized name.
    this.parentZone.grantDelegation(this.role, { delegatedZoneNames: [plan.recordName] });
    acknowledgeZoneSearch(this.role);
  }
}

/** Props of {@link ZoneDelegation}. */
export interface ZoneDelegationProps {
  /** The plan of the delegation (from {@link delegationPlan}). */
  readonly plan: DelegationPlan;
  /** The estate's zone of `dns.domainName`, whose name servers the delegation names. */
  readonly zone: route53.IHostedZone;
}

/**
 * The NS record set of `dns.domainName` in the parent zone, pointing at the estate's zone: an UPSERT, so a
 * recovered estate's zone takes the delegation over from the lost one in the same write. Across accounts
 * it assumes the parent account's {@link DelegationRole} by its fixed name; in the parent's own account
 * (a recovered estate) it assumes a role of this stack with the same narrow grant, so both go through one
 * code path (a plain CloudFormation record would fail on the record the lost estate left there).
 */
export class ZoneDelegation extends Construct {
  /** The role the record's custom resource assumes. */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: ZoneDelegationProps) {
    super(scope, id);
    const { plan, zone } = props;
    const stack = Stack.of(this);
    if (plan.inAccount) {
      const role = new iam.Role(this, 'Role', {
        assumedBy: new iam.AccountPrincipal(stack.account),
        description: `writes the NS records of ${plan.recordName} in ${plan.parentZoneName}, nothing else`,
        maxSessionDuration: Duration.hours(1),
      });
      route53.HostedZone.fromHostedZoneAttributes(this, 'ParentZone', {
        // Without an id the zone is found by name when the record is written; the grant then names no
        // zone, and the condition keys alone hold it to this one NS record set.
        hostedZoneId: plan.parentZoneId ?? '*',
        zoneName: plan.parentZoneName,
      }).grantDelegation(role, { delegatedZoneNames: [plan.recordName] });
      acknowledgeZoneSearch(role);
      if (plan.parentZoneId === undefined) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:aws:route53:::hostedzone/*]',
          reason:
            'the parent zone is found by name when the record is written (its id is in no config); the condition keys allow only UPSERT and DELETE of the NS records of the one domain',
        });
      }
      this.role = role;
    } else {
      this.role = iam.Role.fromRoleArn(
        this,
        'Role',
        stack.formatArn({
          service: 'iam',
          region: '',
          account: plan.parentAccount,
          resource: 'role',
          resourceName: plan.roleName,
        }),
        { mutable: false },
      );
    }
    new route53.CrossAccountZoneDelegationRecord(this, 'Record', {
      delegatedZone: zone,
      ...(plan.parentZoneId === undefined
        ? { parentHostedZoneName: plan.parentZoneName }
        : { parentHostedZoneId: plan.parentZoneId }),
      delegationRole: this.role,
      ttl: Duration.seconds(plan.ttlSeconds),
    });
  }
}

/** The grant's wildcard: the record's handler finds the parent zone by name when it has no id. */
function acknowledgeZoneSearch(role: iam.Role): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'route53:ListHostedZonesByName has no resource type (IAM accepts only "*"); the write itself is held to NS records of one name by condition keys',
  });
}
