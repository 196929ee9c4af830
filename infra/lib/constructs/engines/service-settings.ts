import { Lazy } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';

/** Where an engine's service takes its settings from, in the engine's stack. */
export interface ServiceSettingsTarget extends IConstruct {
  /** Adds one `KEY=value` setting. */
  addValue(key: string, value: string): void;
}

/** Props of {@link ServiceSettings}. */
export interface ServiceSettingsProps {
  /** Parameter name, `/hello/<engine>/settings`: the instance env file points the service at it. */
  readonly parameterName: string;
  /** Non-secret settings, one `KEY=VALUE` line each (secrets travel as parameter names, never values). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * The settings an engine's service reads at start: a plain String parameter of `KEY=VALUE` lines, so the
 * revision's hooks can turn it into an environment file without parsing JSON in shell.
 */
export class ServiceSettings extends Construct implements ServiceSettingsTarget {
  /** The parameter. */
  readonly parameter: ssm.StringParameter;
  private readonly values = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ServiceSettingsProps) {
    super(scope, id);
    for (const [key, value] of Object.entries(props.values)) this.addValue(key, value);
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description: 'Service settings (KEY=VALUE lines, non-secret)',
      stringValue: Lazy.string({
        produce: () => [...this.values].map(([key, value]) => `${key}=${value}`).join('\n'),
      }),
    });
  }

  /** Adds one setting; what other concerns of the region (the database) tell the service. */
  addValue(key: string, value: string): void {
    checkSetting(this, key, value, this.values.has(key));
    this.values.set(key, value);
  }
}

/**
 * A setting every engine can carry, in a parameter of lines or in a function's environment: an
 * UPPER_SNAKE name, a one-line value, given once (a second value would silently win somewhere).
 */
export function checkSetting(owner: IConstruct, key: string, value: string, alreadySet: boolean): void {
  if (!/^[A-Z][A-Z0-9_]*$/.test(key) || /[\n\r]/.test(value)) {
    throw new Error(`${owner.node.path}: setting ${key} must be UPPER_SNAKE with a one-line value`);
  }
  if (alreadySet) throw new Error(`${owner.node.path}: setting ${key} is already set`);
}
