// Row group 4: AWS Backup can copy into the recovery account: both accounts in one organization, whose
// management account enabled cross-account backup (no CloudFormation resource can).
import { DescribeGlobalSettingsCommand } from '@aws-sdk/client-backup';
import { DescribeOrganizationCommand, type Organization } from '@aws-sdk/client-organizations';
import type { AccountRole, EstateConfig } from '../../infra/config/index.ts';
import type { PreflightClients } from './clients.ts';
import { errorName, isAccessDenied, probe, type Row, row } from './report.ts';

const CHECK = 'cross-account backup';
const ROLES: readonly AccountRole[] = ['primary', 'recovery'];
const ENABLE =
  'in the management account: aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true';

async function organizationOf(
  clients: PreflightClients,
  role: AccountRole,
): Promise<Organization | undefined> {
  try {
    const { Organization } = await clients.organizations(role).send(new DescribeOrganizationCommand({}));
    return Organization;
  } catch (error) {
    if (errorName(error) === 'AWSOrganizationsNotInUseException') return undefined;
    throw error;
  }
}

/** The switch, read with the management account's credentials when it is one of the estate's accounts. */
async function checkSwitch(
  config: Pick<EstateConfig, 'accounts' | 'homeRegion'>,
  organization: Organization,
  clients: PreflightClients,
): Promise<Row> {
  const management = organization.MasterAccountId;
  const role = ROLES.find((r) => config.accounts[r] === management);
  const scope = `organization ${organization.Id}`;
  if (role === undefined) {
    return row(
      CHECK,
      scope,
      'warn',
      `not checked: the management account ${management} is neither estate account`,
      ENABLE,
    );
  }
  try {
    const { GlobalSettings } = await clients
      .backup(role, config.homeRegion)
      .send(new DescribeGlobalSettingsCommand({}));
    if (GlobalSettings?.isCrossAccountBackupEnabled === 'true') {
      return row(CHECK, scope, 'ok', 'cross-account backup is enabled');
    }
    return row(
      CHECK,
      scope,
      'BLOCKER',
      'cross-account backup is off: every copy to the recovery account would fail',
      ENABLE,
    );
  } catch (error) {
    // Only the switch is unknown: the organization rows above stand.
    const why = isAccessDenied(error)
      ? `backup:DescribeGlobalSettings was refused to the ${role} account`
      : `${errorName(error)}: ${error instanceof Error ? error.message : error}`;
    return row(
      CHECK,
      scope,
      'warn',
      `not checked: ${why}`,
      `allow backup:DescribeGlobalSettings, or check it yourself ${ENABLE.replace('in the', 'from the')}`,
    );
  }
}

/** Only when features.backup is on: the recovery copies are what needs the organization. */
export async function checkOrganization(
  config: Pick<EstateConfig, 'accounts' | 'homeRegion' | 'features' | 'backup'>,
  clients: PreflightClients,
): Promise<Row[]> {
  if (!config.features.backup) return [];
  return probe(
    {
      check: CHECK,
      scope: 'both accounts',
      permissions: ['organizations:DescribeOrganization', 'backup:DescribeGlobalSettings'],
    },
    async () => {
      const [primary, recovery] = await Promise.all(ROLES.map((role) => organizationOf(clients, role)));
      const outside = ROLES.filter((_, i) => [primary, recovery][i] === undefined);
      if (primary === undefined || recovery === undefined) {
        return [
          row(
            CHECK,
            'both accounts',
            'BLOCKER',
            `the ${outside.join(' and ')} account${outside.length > 1 ? 's are' : ' is'} in no organization`,
            'create an organization (aws organizations create-organization) and invite the other account into it',
          ),
        ];
      }
      if (primary.Id !== recovery.Id) {
        return [
          row(
            CHECK,
            'both accounts',
            'BLOCKER',
            `the primary account is in ${primary.Id}, the recovery account in ${recovery.Id}`,
            'move both accounts into one organization',
          ),
        ];
      }
      const rows = [row(CHECK, 'both accounts', 'ok', `both in organization ${primary.Id}`)];
      const expected = config.backup.organizationId;
      if (expected !== undefined && expected !== primary.Id) {
        rows.push(
          row(
            CHECK,
            'both accounts',
            'BLOCKER',
            `backup.organizationId is ${expected}, the accounts are in ${primary.Id}: the recovery vault would refuse the copies`,
            `set backup.organizationId to ${primary.Id}`,
          ),
        );
      }
      rows.push(await checkSwitch(config, primary, clients));
      return rows;
    },
  );
}
