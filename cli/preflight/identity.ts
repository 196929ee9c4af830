// Row group 1: each account's credentials are the account the config names.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AccountRole, EstateConfig } from '../../infra/config/index.ts';
import type { AccountProfiles, PreflightClients } from './clients.ts';
import { probe, type Row, row } from './report.ts';

const ROLES: readonly AccountRole[] = ['primary', 'recovery'];

/** The flag that picks an account's credentials, for the fix column. */
export function profileFlag(role: AccountRole, profiles: AccountProfiles): string {
  const profile = profiles[role];
  return profile === undefined ? `--${role}-profile NAME` : `--${role}-profile ${profile}`;
}

/**
 * A deploy with the wrong credentials creates the estate in an account nobody meant, so a mismatch (or
 * credentials that do not work at all) is a blocker.
 */
export async function checkIdentities(
  config: Pick<EstateConfig, 'accounts'>,
  clients: PreflightClients,
  profiles: AccountProfiles,
): Promise<Row[]> {
  const rows = await Promise.all(
    ROLES.map((role) => {
      const scope = `${role} ${config.accounts[role]}`;
      const expected = config.accounts[role];
      return probe(
        { check: 'identity', scope, permissions: ['sts:GetCallerIdentity'], failure: 'BLOCKER' },
        async () => {
          const { Account, Arn } = await clients.sts(role).send(new GetCallerIdentityCommand({}));
          if (Account === expected) return [row('identity', scope, 'ok', `credentials are ${Arn}`)];
          return [
            row(
              'identity',
              scope,
              'BLOCKER',
              `credentials are account ${Account} (${Arn}), the config names ${expected}`,
              `pass the ${role} account's profile with ${profileFlag(role, profiles)}, or correct accounts.${role}`,
            ),
          ];
        },
      );
    }),
  );
  return rows.flat();
}
