import { type EstateConfig, loadConfig } from '../../infra/config/index.ts';

/**
 * The user's config for a command, or undefined once `say` has told why: the config is invalid, or it
 * still describes placeholder accounts while the command would act on real ones (`action` names what it
 * would do). Either way the command exits 2.
 */
export function commandConfig(
  profile: string | undefined,
  say: (message: string) => void,
  action?: string,
): EstateConfig | undefined {
  let config: EstateConfig;
  try {
    config = loadConfig({ profile });
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return undefined;
  }
  if (action !== undefined && !config.deploy) {
    say(
      `Nothing to ${action}: the config has "deploy": false, so its accounts are placeholders. Set real accounts and "deploy": true in estate.config.json first.`,
    );
    return undefined;
  }
  return config;
}
