// Row group 5: the service-linked roles the estate's services act through. A service creates its role on
// first use, but a key policy that names one fails while it does not exist yet (shared aws-facts §17).
import { GetRoleCommand } from '@aws-sdk/client-iam';
import type { AccountRole, EstateConfig } from '../../infra/config/index.ts';
import type { PreflightClients } from './clients.ts';
import { errorName, probe, type Row, row } from './report.ts';

/** A service-linked role: its name and the service that owns it. */
export interface ServiceLinkedRole {
  readonly name: string;
  readonly service: string;
}

const AUTO_SCALING = { name: 'AWSServiceRoleForAutoScaling', service: 'autoscaling.amazonaws.com' };
const ELB = { name: 'AWSServiceRoleForElasticLoadBalancing', service: 'elasticloadbalancing.amazonaws.com' };
const ECS = { name: 'AWSServiceRoleForECS', service: 'ecs.amazonaws.com' };
const ECS_SCALING = {
  name: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
  service: 'ecs.application-autoscaling.amazonaws.com',
};
const RDS = { name: 'AWSServiceRoleForRDS', service: 'rds.amazonaws.com' };
const BEANSTALK = { name: 'AWSServiceRoleForElasticBeanstalk', service: 'elasticbeanstalk.amazonaws.com' };
const BACKUP = { name: 'AWSServiceRoleForBackup', service: 'backup.amazonaws.com' };

/** The roles each account relies on, from the engines and features the config switches on. */
export function serviceLinkedRoles(
  config: Pick<EstateConfig, 'engines' | 'database' | 'features'>,
): Record<AccountRole, ServiceLinkedRole[]> {
  const { fleet, asg, beanstalk, ecs } = config.engines;
  const primary = [
    ...(asg.enabled || beanstalk.enabled ? [AUTO_SCALING] : []),
    ...(fleet.enabled || asg.enabled || beanstalk.enabled || ecs.enabled ? [ELB] : []),
    ...(ecs.enabled ? [ECS, ECS_SCALING] : []),
    ...(config.database.enabled ? [RDS] : []),
    ...(beanstalk.enabled ? [BEANSTALK] : []),
    ...(config.features.backup ? [BACKUP] : []),
  ];
  // The recovery account only keeps copies until a recovery runs there.
  const recovery = config.features.backup ? [BACKUP] : [];
  return { primary, recovery };
}

/** The command that creates a role, for the fix column. */
export function createCommand(role: ServiceLinkedRole, profile?: string): string {
  const suffix = profile === undefined ? '' : ` --profile ${profile}`;
  return `aws iam create-service-linked-role --aws-service-name ${role.service}${suffix}`;
}

/** A missing role is a warning with its create command: most services create theirs on first use. */
export async function checkServiceLinkedRoles(
  config: Pick<EstateConfig, 'engines' | 'database' | 'features' | 'accounts'>,
  clients: PreflightClients,
  profiles: { readonly primary?: string; readonly recovery?: string },
): Promise<Row[]> {
  const wanted = serviceLinkedRoles(config);
  const probes = (['primary', 'recovery'] as const).flatMap((account) =>
    wanted[account].map((role) => {
      const scope = `${account} ${config.accounts[account]}`;
      const check = 'service-linked role';
      return probe({ check, scope, permissions: ['iam:GetRole'] }, async () => {
        try {
          await clients.iam(account).send(new GetRoleCommand({ RoleName: role.name }));
          return [row(check, scope, 'ok', `${role.name} exists`)];
        } catch (error) {
          if (errorName(error) !== 'NoSuchEntityException' && errorName(error) !== 'NoSuchEntity')
            throw error;
          return [
            row(check, scope, 'warn', `${role.name} is missing`, createCommand(role, profiles[account])),
          ];
        }
      });
    }),
  );
  return (await Promise.all(probes)).flat();
}
