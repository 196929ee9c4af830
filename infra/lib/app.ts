import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';

/** Options of {@link createEstateApp}. */
export interface EstateAppOptions {
  /** Cloud assembly directory. @default - the CDK CLI's, or a temporary directory */
  readonly outdir?: string;
  /** Run the built-in template validation (half of synthesis). @default - on, unless `--no-validation` */
  readonly builtinValidation?: boolean;
}

/**
 * An App with cdk.json's feature flags, whoever runs it: the CDK CLI passes them itself, but the synth
 * command, the tests and the benchmark build the App in-process, and without the flags an ASG would
 * still get a LaunchConfiguration.
 */
export function createEstateApp(options: EstateAppOptions = {}): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  return new App({
    context: cdkJson.context,
    outdir: options.outdir,
    // Left unset unless asked, so `cdk synth --no-validation` (CDK_VALIDATION=false) still works.
    ...(options.builtinValidation === undefined
      ? {}
      : { builtinCloudFormationValidation: options.builtinValidation }),
  });
}
