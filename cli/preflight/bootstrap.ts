// Row group 2: every (account, region) the estate deploys to is bootstrapped recently enough, the recovery
// account trusts the primary one to deploy there, and deploys there with the estate's scoped policy.
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { EstateConfig } from '../../infra/config/index.ts';
import type { AccountProfiles, PreflightClients } from './clients.ts';
import type { DeploySite } from './estate.ts';
import { errorName, probe, type Row, row } from './report.ts';

/** The CDK's default bootstrap qualifier; the estate does not change it. */
export const QUALIFIER = 'hnb659fds';
/** The bootstrap stack's name. */
export const TOOLKIT_STACK = 'CDKToolkit';
/** Where the bootstrap stack publishes its version. */
export const VERSION_PARAMETER = `/cdk-bootstrap/${QUALIFIER}/version`;
/** The customer-managed policy the recovery account's bootstrap gives CloudFormation instead of administrator. */
export const RECOVERY_EXECUTION_POLICY = 'HelloRecoveryExecution';
const ADMINISTRATOR = 'AdministratorAccess';

// A stack in one of these can be updated, so `cdk bootstrap` and `cdk deploy` can use it.
const USABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** The CloudFormation execution role the bootstrap creates in a site. */
export function executionRoleName(site: Pick<DeploySite, 'account' | 'region'>): string {
  return `cdk-${QUALIFIER}-cfn-exec-role-${site.account}-${site.region}`;
}

/** The `cdk bootstrap` command that fixes a site, with the recovery account's trust and scoped policy. */
export function bootstrapCommand(
  site: Pick<DeploySite, 'role' | 'account' | 'region'>,
  config: Pick<EstateConfig, 'accounts'>,
  profiles: AccountProfiles,
): string {
  const profile = profiles[site.role];
  const parts = [`npx cdk bootstrap aws://${site.account}/${site.region}`];
  if (profile !== undefined) parts.push(`--profile ${profile}`);
  if (site.role === 'recovery') {
    parts.push(
      `--trust ${config.accounts.primary}`,
      `--cloudformation-execution-policies arn:aws:iam::${site.account}:policy/${RECOVERY_EXECUTION_POLICY}`,
    );
  }
  return parts.join(' ');
}

const scopeOf = (site: DeploySite) => `${site.role} ${site.region}`;

async function toolkitStack(clients: PreflightClients, site: DeploySite): Promise<Stack | undefined> {
  try {
    const { Stacks } = await clients
      .cloudFormation(site.role, site.region)
      .send(new DescribeStacksCommand({ StackName: TOOLKIT_STACK }));
    return Stacks?.[0];
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/.test(String(error))) return undefined;
    throw error;
  }
}

async function bootstrapVersion(clients: PreflightClients, site: DeploySite): Promise<number | undefined> {
  try {
    const { Parameter } = await clients
      .ssm(site.role, site.region)
      .send(new GetParameterCommand({ Name: VERSION_PARAMETER }));
    return Number(Parameter?.Value);
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/** The site's bootstrap stack and version, and for the recovery account its trust of the primary one. */
async function checkSite(
  site: DeploySite,
  required: number,
  config: Pick<EstateConfig, 'accounts'>,
  clients: PreflightClients,
  profiles: AccountProfiles,
): Promise<Row[]> {
  const fix = bootstrapCommand(site, config, profiles);
  const scope = scopeOf(site);
  const stack = await toolkitStack(clients, site);
  if (stack === undefined) {
    return [row('bootstrap', scope, 'BLOCKER', `no ${TOOLKIT_STACK} stack: not bootstrapped`, fix)];
  }
  if (!USABLE.has(stack.StackStatus ?? '')) {
    return [
      row(
        'bootstrap',
        scope,
        'BLOCKER',
        `${TOOLKIT_STACK} is ${stack.StackStatus}`,
        `see its events in the CloudFormation console, delete it if it never completed, then ${fix}`,
      ),
    ];
  }
  const version = await bootstrapVersion(clients, site);
  const rows: Row[] = [];
  if (version === undefined || Number.isNaN(version) || version < required) {
    const found = version === undefined ? `no ${VERSION_PARAMETER} parameter` : `version ${version}`;
    rows.push(
      row(
        'bootstrap',
        scope,
        'BLOCKER',
        `${found}; the estate's assembly requires at least ${required}`,
        fix,
      ),
    );
  } else {
    rows.push(
      row(
        'bootstrap',
        scope,
        'ok',
        `${TOOLKIT_STACK} ${stack.StackStatus}, version ${version} >= ${required}`,
      ),
    );
  }
  if (site.role === 'recovery') {
    const trusted = (stack.Parameters ?? [])
      .find((p) => p.ParameterKey === 'TrustedAccounts')
      ?.ParameterValue?.split(',')
      .map((a) => a.trim());
    rows.push(
      trusted?.includes(config.accounts.primary)
        ? row('bootstrap trust', scope, 'ok', `trusts the primary account ${config.accounts.primary}`)
        : row(
            'bootstrap trust',
            scope,
            'BLOCKER',
            `trusts ${trusted?.filter((a) => a !== '').join(', ') || 'no other account'}: the primary account ${config.accounts.primary} cannot deploy the recovery stacks`,
            fix,
          ),
    );
  }
  return rows;
}

/**
 * The recovery account's execution role must carry the scoped policy and, in production, not administrator:
 * the account that survives a compromise of the primary one must not let the primary's deploy role do
 * anything there.
 */
async function checkExecutionPolicy(
  site: DeploySite,
  config: Pick<EstateConfig, 'accounts' | 'profile'>,
  clients: PreflightClients,
  profiles: AccountProfiles,
): Promise<Row[]> {
  const scope = scopeOf(site);
  const roleName = executionRoleName(site);
  let names: string[];
  try {
    const { AttachedPolicies } = await clients
      .iam(site.role)
      .send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    names = (AttachedPolicies ?? []).map((p) => p.PolicyName ?? '');
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntityException' && errorName(error) !== 'NoSuchEntity') throw error;
    return [
      row(
        'execution policy',
        scope,
        'BLOCKER',
        `no role ${roleName}`,
        bootstrapCommand(site, config, profiles),
      ),
    ];
  }
  const rows: Row[] = [];
  const fix = bootstrapCommand(site, config, profiles);
  if (!names.includes(RECOVERY_EXECUTION_POLICY)) {
    rows.push(
      row(
        'execution policy',
        scope,
        'BLOCKER',
        `${roleName} lacks ${RECOVERY_EXECUTION_POLICY} (attached: ${names.join(', ') || 'none'})`,
        `create ${RECOVERY_EXECUTION_POLICY} from deploy/bootstrap/recovery-execution-policy.json, then ${fix}`,
      ),
    );
  }
  if (names.includes(ADMINISTRATOR)) {
    const status = config.profile === 'production' ? 'BLOCKER' : 'warn';
    rows.push(
      row(
        'execution policy',
        scope,
        status,
        `${roleName} has ${ADMINISTRATOR}: a deploy from the primary account may do anything in the recovery account`,
        fix,
      ),
    );
  }
  if (rows.length === 0) {
    rows.push(
      row(
        'execution policy',
        scope,
        'ok',
        `${roleName} has ${RECOVERY_EXECUTION_POLICY}, not ${ADMINISTRATOR}`,
      ),
    );
  }
  return rows;
}

/** Bootstrap rows for every site, then the recovery account's execution policy per recovery site. */
export async function checkBootstrap(
  sites: readonly DeploySite[],
  required: number,
  config: Pick<EstateConfig, 'accounts' | 'profile'>,
  clients: PreflightClients,
  profiles: AccountProfiles,
): Promise<Row[]> {
  const stacks = sites.map((site) =>
    probe(
      {
        check: 'bootstrap',
        scope: scopeOf(site),
        permissions: ['cloudformation:DescribeStacks', 'ssm:GetParameter'],
      },
      () => checkSite(site, required, config, clients, profiles),
    ),
  );
  const policies = sites
    .filter((site) => site.role === 'recovery')
    .map((site) =>
      probe(
        { check: 'execution policy', scope: scopeOf(site), permissions: ['iam:ListAttachedRolePolicies'] },
        () => checkExecutionPolicy(site, config, clients, profiles),
      ),
    );
  return (await Promise.all([...stacks, ...policies])).flat();
}
