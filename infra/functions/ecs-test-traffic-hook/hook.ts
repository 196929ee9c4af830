import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { oneLine, runBeforeDeadline, safeLog, settingsOnce } from '../shared/smoke.ts';
import { type CheckResult, describeError, runTestTrafficChecks } from './checks.ts';
import type { HookSettings } from './settings.ts';

// The contract, from the Amazon ECS Developer Guide, "Lambda hooks for Amazon ECS service deployments"
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html):
//
//   "When Amazon ECS invokes your hook, your function must return a JSON object containing a hookStatus
//   field. You can optionally include callBackDelay to control retry timing and hookDetails to pass data
//   between invocations. If your function doesn't return a valid hookStatus, or if it fails, Amazon ECS
//   rolls back the deployment."
//   "SUCCEEDED - The deployment continues to the next lifecycle stage. FAILED - Amazon ECS rolls back the
//   deployment to the last successful service revision. IN_PROGRESS - Amazon ECS invokes the function
//   again after a delay. By default, the delay is 30 seconds."
//
//   "the event payload contains the following top-level fields: executionId [...], lifecycleStage [...],
//   resourceArn - The ARN of the resource associated with the deployment. executionDetails - An object
//   [...]: serviceArn [...], targetServiceRevisionArn - The ARN of the target service revision being
//   deployed. testTrafficWeights - A map of service revision ARNs to their corresponding test traffic
//   weight percentages. productionTrafficWeights - [the same for production traffic]."
//
//   POST_TEST_TRAFFIC_SHIFT: "This stage occurs after Amazon ECS has completed the test traffic shift. The
//   green service revision is handling 100% of test traffic." (its example carries empty weight maps)

/** The stage this hook checks: green has all of the test listener's traffic, blue all of production's. */
export const CHECKED_STAGE = 'POST_TEST_TRAFFIC_SHIFT';

/** What the hook answers ECS. The hook never asks to be called again, but the type says what ECS takes. */
export interface EcsHookResponse {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';
  /** Seconds until ECS calls again after IN_PROGRESS. @default 30 */
  readonly callBackDelay?: number;
}

const weightsSchema = z.record(z.string(), z.number());

// Unknown fields (hookDetails, anything ECS adds later) are accepted and ignored; the weights are read
// when present, since a stage may come without them, but only ever logged.
const eventSchema = z.object({
  executionId: z.string().check(z.minLength(1)),
  lifecycleStage: z.string().check(z.minLength(1)),
  resourceArn: z.string().check(z.minLength(1)),
  executionDetails: z.object({
    serviceArn: z.string().check(z.minLength(1)),
    targetServiceRevisionArn: z.string().check(z.minLength(1)),
    testTrafficWeights: z.optional(weightsSchema),
    productionTrafficWeights: z.optional(weightsSchema),
  }),
});

/** The lifecycle hook event of an ECS service deployment, as far as the hook reads it. */
export type EcsLifecycleHookEvent = z.infer<typeof eventSchema>;

/** The log sink and fetch the hook uses; tests pass their own. */
export interface HookDependencies {
  /** Receives one JSON line per check and one for the verdict. @default console.log */
  readonly log?: (line: string) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** What the hook decided, with the checks behind it. */
export interface HookVerdict {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED';
  /** False when the stage is not one this hook checks (or the event could not be read). */
  readonly checked: boolean;
  readonly checks: readonly CheckResult[];
  /** Why the checks could not run at all, when they could not. */
  readonly error?: string;
}

/** The part of the Lambda context the hook reads: how long it has left. */
export type HookContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Time kept back from the function's own timeout for the answer: a hook that times out has failed, and
 * ECS rolls back without a word of why; answering FAILED in time at least leaves the reasons in the log.
 */
export const ANSWER_RESERVE_MS = 1_000;

/**
 * The lifecycle hook of the ECS engine's native blue/green deployment, registered at
 * POST_TEST_TRAFFIC_SHIFT. The green tasks then take all of the ALB test listener's traffic while
 * production stays on blue; the hook sends real requests through that listener and answers SUCCEEDED
 * only if every answer is the service's contract and comes from one version reporting the expected
 * engine. Otherwise FAILED, and ECS rolls back before any production traffic moves.
 *
 * Every path ends in an answer rather than a throw. Unlike CodeDeploy's hooks, which report through an API
 * call and need the ids of the event to do so, an ECS hook reports by returning, so even an event that
 * cannot be read can be answered: FAILED, with the reason in the log. A throw would roll back just the
 * same, but as a function error that says nothing of why.
 */
export function createEcsTestTrafficHook(
  settings: HookSettings | (() => HookSettings),
  dependencies: HookDependencies = {},
): (event: unknown, context?: HookContext) => Promise<EcsHookResponse> {
  const evaluate = createEcsTestTrafficEvaluation(settings, dependencies);
  // Exactly the documented fields: what else ECS would make of more is not documented.
  return async (event, context) => ({ hookStatus: (await evaluate(event, context)).hookStatus });
}

/** The same hook, answering with its checks as well; what the handler returns is its `hookStatus`. */
export function createEcsTestTrafficEvaluation(
  settings: HookSettings | (() => HookSettings),
  dependencies: HookDependencies = {},
): (event: unknown, context?: HookContext) => Promise<HookVerdict> {
  const settingsRead = settingsOnce(settings);
  const readSettings = settingsRead.read;
  const log = safeLog(dependencies.log);

  return async (event, context) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      const error =
        'not an ECS lifecycle hook event (executionId, lifecycleStage, resourceArn and executionDetails ' +
        `with serviceArn and targetServiceRevisionArn are required): ${oneLine(z.prettifyError(parsed.error))}`;
      log({ level: 'ERROR', message: 'test-traffic verdict', hookStatus: 'FAILED', checked: false, error });
      return { hookStatus: 'FAILED', checked: false, checks: [], error };
    }
    const { executionId, lifecycleStage, resourceArn, executionDetails } = parsed.data;
    const about = {
      executionId,
      lifecycleStage,
      resourceArn,
      targetServiceRevisionArn: executionDetails.targetServiceRevisionArn,
    };

    // Stopping a deployment over a stage this hook knows nothing to check at would be worse than letting
    // it pass: a rollback re-invokes the hooks of TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT, and a
    // hook that failed those could hold the rollback itself.
    if (lifecycleStage !== CHECKED_STAGE) {
      log({
        level: 'WARN',
        message: `test-traffic hook: stage ${lifecycleStage} not checked, only ${CHECKED_STAGE} is`,
        ...about,
        hookStatus: 'SUCCEEDED',
        checked: false,
      });
      return { hookStatus: 'SUCCEEDED', checked: false, checks: [] };
    }

    const { checks, error } = await runBeforeDeadline(
      context,
      ANSWER_RESERVE_MS,
      'answer',
      (signal) =>
        runTestTrafficChecks(readSettings(), {
          signal,
          ...(dependencies.fetch === undefined ? {} : { fetch: dependencies.fetch }),
        }),
      describeError,
    );

    for (const check of checks) {
      log({
        level: check.passed ? 'INFO' : 'ERROR',
        message: 'test-traffic check',
        ...about,
        endpoint: settingsRead.known?.testEndpoint,
        ...check,
      });
    }
    const passed = error === undefined && checks.length > 0 && checks.every((check) => check.passed);
    const hookStatus = passed ? 'SUCCEEDED' : 'FAILED';
    log({
      level: passed ? 'INFO' : 'ERROR',
      message: 'test-traffic verdict',
      ...about,
      endpoint: settingsRead.known?.testEndpoint,
      testTrafficWeights: executionDetails.testTrafficWeights,
      hookStatus,
      checked: true,
      passed: checks.filter((check) => check.passed).length,
      failed: checks.filter((check) => !check.passed).length,
      reasons: checks.flatMap((check) => (check.reason === undefined ? [] : [check.reason])),
      ...(error === undefined ? {} : { error }),
    });
    return { hookStatus, checked: true, checks, ...(error === undefined ? {} : { error }) };
  };
}
