import {
  type CodeDeployClient,
  LifecycleEventAlreadyCompletedException,
  type LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { runBeforeDeadline, safeLog, settingsOnce } from '../shared/smoke.ts';
import { type CheckResult, describeError, runSmokeChecks } from './checks.ts';
import type { HookSettings } from './settings.ts';

/** The clients, log sink and clock the hook uses; tests pass mocks. */
export interface HookDependencies {
  readonly lambda: LambdaClient;
  readonly codedeploy: CodeDeployClient;
  /** Receives one JSON line per check and one for the verdict. @default console.log */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** What the hook decided and reported. */
export interface HookVerdict {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
  readonly status: Extract<LifecycleEventStatus, 'Succeeded' | 'Failed'>;
  readonly checks: readonly CheckResult[];
  /** Why the checks could not run at all, when they could not. */
  readonly error?: string;
}

/** The part of the Lambda context the hook reads: how long it has left. */
export type HookContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Time kept back from the function's own timeout for the report: a hook that times out reports nothing,
 * and CodeDeploy then waits up to an hour before it fails the deployment on its own.
 */
export const REPORT_RESERVE_MS = 5_000;

const hookEventSchema = z.object({
  DeploymentId: z.string().check(z.minLength(1)),
  LifecycleEventHookExecutionId: z.string().check(z.minLength(1)),
});

/**
 * The BeforeAllowTraffic hook of the serverless engine's CodeDeploy deployment group. Before CodeDeploy
 * shifts any traffic to the new version it invokes this hook, which invokes that version directly with
 * the HTTP API events of `GET /`, `GET /health` and `GET /info` and reports Succeeded only if every answer
 * is the service's contract; otherwise Failed, and CodeDeploy stops the deployment with the alias still
 * on the old version.
 *
 * Whatever happens after the event is read ends in a report: settings that do not validate (when given
 * as a function), a check that throws, a denied Invoke, a version that does not answer in time all
 * become Failed. Only the report call itself may fail the
 * invocation, so that Lambda's asynchronous retry runs the hook again; an event without its ids has
 * nothing to report to and is refused at once.
 */
export function createPreTrafficHook(
  settings: HookSettings | (() => HookSettings),
  dependencies: HookDependencies,
): (event: unknown, context?: HookContext) => Promise<HookVerdict> {
  const { lambda, codedeploy } = dependencies;
  const settingsRead = settingsOnce(settings);
  const readSettings = settingsRead.read;
  const log = safeLog(dependencies.log);

  return async (event, context) => {
    const parsed = hookEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        'pre-traffic-hook: not a CodeDeploy lifecycle hook event (DeploymentId and ' +
          `LifecycleEventHookExecutionId are required)\n${z.prettifyError(parsed.error)}`,
      );
    }
    const { DeploymentId: deploymentId, LifecycleEventHookExecutionId: lifecycleEventHookExecutionId } =
      parsed.data;

    const { checks, error } = await runBeforeDeadline(
      context,
      REPORT_RESERVE_MS,
      'report',
      (signal) =>
        runSmokeChecks(readSettings(), {
          lambda,
          signal,
          ...(dependencies.now === undefined ? {} : { now: dependencies.now }),
        }),
      describeError,
    );

    for (const check of checks) {
      log({
        level: check.passed ? 'INFO' : 'ERROR',
        message: 'pre-traffic check',
        deploymentId,
        target: settingsRead.known?.targetFunctionArn,
        ...check,
      });
    }
    const passed = error === undefined && checks.length > 0 && checks.every((check) => check.passed);
    const verdict: HookVerdict = {
      deploymentId,
      lifecycleEventHookExecutionId,
      status: passed ? 'Succeeded' : 'Failed',
      checks,
      ...(error === undefined ? {} : { error }),
    };
    log({
      level: passed ? 'INFO' : 'ERROR',
      message: 'pre-traffic verdict',
      deploymentId,
      lifecycleEventHookExecutionId,
      target: settingsRead.known?.targetFunctionArn,
      status: verdict.status,
      passed: checks.filter((check) => check.passed).length,
      failed: checks.filter((check) => !check.passed).length,
      reasons: checks.flatMap((check) => (check.reason === undefined ? [] : [check.reason])),
      ...(error === undefined ? {} : { error }),
    });

    try {
      await codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId,
          lifecycleEventHookExecutionId,
          status: verdict.status,
        }),
      );
    } catch (thrown) {
      // A retried invocation whose first attempt did report (or a hook CodeDeploy already timed out):
      // there is nothing left to decide, and retrying again would only fail the same way.
      if (thrown instanceof LifecycleEventAlreadyCompletedException) {
        log({
          level: 'WARN',
          message: 'pre-traffic hook already reported',
          deploymentId,
          lifecycleEventHookExecutionId,
          status: verdict.status,
        });
        return verdict;
      }
      throw new Error(
        `pre-traffic-hook: could not report ${verdict.status} for deployment ${deploymentId}: ${describeError(thrown)}`,
        { cause: thrown },
      );
    }
    return verdict;
  };
}
