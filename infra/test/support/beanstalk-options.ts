import { parse } from 'yaml';

/** One option setting, as CloudFormation and the Beanstalk API take it. */
export interface OptionSetting {
  readonly namespace: string;
  readonly optionName: string;
  readonly value: string;
}

/** The levels Beanstalk resolves an option from, highest first (Elastic Beanstalk developer guide, "Precedence"). */
export interface OptionLevels {
  /** Applied to the environment directly: CloudFormation, console, EB CLI, AWS CLI, SDK. */
  readonly environment: readonly OptionSetting[];
  /** Saved configurations. */
  readonly savedConfiguration?: readonly OptionSetting[];
  /** `.ebextensions/*.config` of the source bundle, by file name. */
  readonly ebextensions: Readonly<Record<string, readonly OptionSetting[]>>;
  /** The platform's defaults. */
  readonly defaults: readonly OptionSetting[];
}

const keyOf = (s: OptionSetting) => `${s.namespace}/${s.optionName}`;

/**
 * The value of every option as Beanstalk applies it: the environment's own settings over saved
 * configurations over `.ebextensions` over the defaults; configuration files are applied in file-name
 * order, so a later file overrides an earlier one.
 */
export function effectiveOptions(levels: OptionLevels): Map<string, string> {
  const effective = new Map<string, string>();
  const apply = (settings: readonly OptionSetting[]) => {
    for (const s of settings) effective.set(keyOf(s), s.value);
  };
  apply(levels.defaults);
  for (const file of Object.keys(levels.ebextensions).sort()) apply(levels.ebextensions[file] ?? []);
  apply(levels.savedConfiguration ?? []);
  apply(levels.environment);
  return effective;
}

/**
 * The option settings of one `.ebextensions` file, in either of its two forms: a map of namespaces to
 * options, or a list of `{ namespace, option_name, value }`.
 */
export function ebextensionOptions(text: string): OptionSetting[] {
  const document = parse(text) as { option_settings?: unknown };
  const settings = document?.option_settings;
  if (Array.isArray(settings)) {
    return settings.map((s: { namespace: string; option_name: string; value: unknown }) => ({
      namespace: s.namespace,
      optionName: s.option_name,
      value: String(s.value),
    }));
  }
  if (typeof settings !== 'object' || settings === null) return [];
  return Object.entries(settings as Record<string, Record<string, unknown>>).flatMap(([namespace, options]) =>
    Object.entries(options).map(([optionName, value]) => ({ namespace, optionName, value: String(value) })),
  );
}
