import * as z from 'zod/mini';

/** What the deploying construct tells the hook, read once per cold start. */
export interface HookSettings {
  /** The version-qualified ARN of the version being deployed, e.g. `...:function:hello-service:7`. */
  readonly targetFunctionArn: string;
  /** The region of the target version (from its ARN): the events the hook sends name it. */
  readonly targetRegion: string;
  /** The account of the target version (from its ARN). */
  readonly targetAccount: string;
  /** The version number of the target (from its ARN): the Invoke response must say it ran this one. */
  readonly targetVersion: string;
  /** What `GET /info` must report as `engine`. @default 'lambda' */
  readonly expectedEngine: string;
}

// Only a numeric version is accepted: an unqualified ARN, `$LATEST` or an alias would test whatever they
// point at when the hook runs, which during a deployment is not necessarily the version being deployed.
const QUALIFIED_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):function:[A-Za-z0-9_-]{1,64}:([1-9]\d{0,9})$/;

const environmentSchema = z.object({
  TARGET_FUNCTION_ARN: z.string().check(
    z.regex(QUALIFIED_FUNCTION_ARN, {
      error:
        'must be a version-qualified Lambda function ARN, e.g. arn:aws:lambda:<region>:<account>:function:<name>:7',
    }),
  ),
  EXPECTED_ENGINE: z.optional(
    z.string().check(z.regex(/^[\w.:/@+-]{1,128}$/, { error: 'must be an engine label such as lambda' })),
  ),
});

/** Validates the environment, naming every missing or malformed variable at once. */
export function readHookSettings(environment: NodeJS.ProcessEnv): HookSettings {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new Error(`pre-traffic-hook: invalid environment\n${z.prettifyError(parsed.error)}`);
  }
  const variables = parsed.data;
  const [, region, account, version] = QUALIFIED_FUNCTION_ARN.exec(variables.TARGET_FUNCTION_ARN) ?? [];
  return {
    targetFunctionArn: variables.TARGET_FUNCTION_ARN,
    targetRegion: region ?? '',
    targetAccount: account ?? '',
    targetVersion: version ?? '',
    expectedEngine: variables.EXPECTED_ENGINE ?? 'lambda',
  };
}
