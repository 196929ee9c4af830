import {
  CreateConfigurationTemplateCommand,
  CreateEnvironmentCommand,
  DeleteConfigurationTemplateCommand,
  DescribeApplicationVersionsCommand,
  DescribeEnvironmentsCommand,
  type ElasticBeanstalkClient,
  type EnvironmentDescription,
  SwapEnvironmentCNAMEsCommand,
  TerminateEnvironmentCommand,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-elastic-beanstalk';
import { describeError, isAccessDenied, progress } from '../fleet-blue-green/progress.ts';

/** The AWS client (in the environment's region), HTTP and the clock the swap runs with. */
export interface SwapDeps {
  readonly beanstalk: ElasticBeanstalkClient;
  readonly fetch: (url: string) => Promise<{ status: number; text(): Promise<string> }>;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

/** What to swap to, and how long each wait may last. */
export interface SwapOptions {
  readonly application: string;
  /** The environment CloudFormation owns: it serves production before and after. */
  readonly environment: string;
  /** The application version to release (it must exist). */
  readonly versionLabel: string;
  /** The service's `/info` must report this version; unset: any. */
  readonly expectVersion?: string;
  /** Read and print the plan; create, swap and remove nothing. */
  readonly dryRun: boolean;
  /** How long the clone serves production (watched: it is swapped back if it turns Red) before the stack's environment takes the version. */
  readonly keepMs: number;
  /** How long an environment has to become Ready and Green. */
  readonly readyTimeoutMs: number;
  readonly pollMs: number;
}

// Polls of a swap, 5 s apart: Beanstalk swaps in seconds, then reports both environments Ready.
const SWAP_POLLS = 120;

/** A swap that failed; the message says what production runs on and what was undone. */
export class SwapError extends Error {
  override name = 'SwapError';
}

/**
 * Beanstalk blue/green by CNAME swap (EB-3), ending where CloudFormation expects it:
 *
 * 1. clone: a configuration template saved from the stack's environment, a new environment from it
 *    running the new version (the clone), Ready and Green, `/health` and `/info` answered through its
 *    own CNAME; otherwise the clone is terminated and nothing was swapped;
 * 2. swap: the clone takes the production CNAME; the stack's environment, still on the old version, is
 *    the rollback for the keep time, during which a Red clone is swapped back at once;
 * 3. reconcile: the stack's environment is updated to the new version (with its own deployment
 *    policy, out of traffic), checked the same way, and swapped back; the clone and its template are
 *    removed.
 *
 * So the environment CloudFormation created keeps its name, its settings and its CNAME, and nothing
 * outside the stack survives the command: no drift, and the next `cdk deploy` finds what it left.
 */
export async function swapEnvironment(deps: SwapDeps, options: SwapOptions): Promise<{ clone?: string }> {
  const say = progress(deps.log, deps.now);
  const { application } = options;
  const live = await describe(deps, application, { name: options.environment });
  if (live === undefined || live.Status === 'Terminated') {
    throw new SwapError(
      `no environment ${options.environment} in application ${application}: deploy the Beanstalk stack first`,
    );
  }
  if (live.Status !== 'Ready') {
    throw new SwapError(
      `${options.environment} is ${live.Status}, not Ready: wait for its current operation to end`,
    );
  }
  const versions = await deps.beanstalk.send(
    new DescribeApplicationVersionsCommand({
      ApplicationName: application,
      VersionLabels: [options.versionLabel],
    }),
  );
  const version = versions.ApplicationVersions?.[0];
  if (version === undefined) {
    throw new SwapError(
      `no application version ${options.versionLabel} in ${application}: create it first (the pipeline's Beanstalk action does)`,
    );
  }
  if (version.Status !== undefined && version.Status !== 'Processed' && version.Status !== 'Unprocessed') {
    throw new SwapError(`application version ${options.versionLabel} is ${version.Status}`);
  }
  const productionCname = live.CNAME ?? '';
  const suffix =
    options.versionLabel
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-8)
      .toLowerCase() || 'next';
  const clone = `${options.environment.slice(0, 30)}-g-${suffix}`.slice(0, 40);
  const template = `${clone}-swap`;
  say(`${options.environment} is Ready (${live.Health}) on ${productionCname}, running ${live.VersionLabel}`);
  if (options.dryRun) {
    say(
      `dry run: would clone ${options.environment} into ${clone} running ${options.versionLabel}, check it, swap CNAMEs`,
    );
    say(
      `dry run: then keep ${Math.round(options.keepMs / 60_000)} min, update ${options.environment} to ${options.versionLabel}, swap back, remove ${clone}`,
    );
    return {};
  }

  // 1. Clone.
  try {
    await deps.beanstalk.send(
      new CreateConfigurationTemplateCommand({
        ApplicationName: application,
        TemplateName: template,
        EnvironmentId: live.EnvironmentId,
        Description: `settings of ${options.environment} for the swap to ${options.versionLabel}`,
      }),
    );
    await deps.beanstalk.send(
      new CreateEnvironmentCommand({
        ApplicationName: application,
        EnvironmentName: clone,
        TemplateName: template,
        VersionLabel: options.versionLabel,
        Description: `clone of ${options.environment} for ${options.versionLabel} (npm run beanstalk:swap)`,
      }),
    );
  } catch (error) {
    await deleteTemplate(deps, application, template);
    throw new SwapError(
      `cloning ${options.environment} failed (${describeError(error)})${isAccessDenied(error) ? ': the caller lacks Beanstalk rights (AdministratorAccess-AWSElasticBeanstalk covers them)' : ''}; nothing was swapped`,
    );
  }
  say(`cloning ${options.environment} into ${clone} with ${options.versionLabel}`);
  try {
    await waitServing(deps, say, application, clone, options);
  } catch (error) {
    throw new SwapError(
      `${reason(error)}; ${await removeClone(deps, say, application, clone, template)}; nothing was swapped, ${options.environment} still serves ${productionCname}`,
    );
  }

  // 2. Swap.
  try {
    await swap(deps, say, application, options.environment, clone, productionCname);
  } catch (error) {
    const undo = await removeClone(deps, say, application, clone, template);
    throw new SwapError(`swapping CNAMEs failed (${describeError(error)}); ${undo}`);
  }
  say(
    `${clone} serves ${productionCname}; ${options.environment} (${live.VersionLabel}) is the rollback for ${Math.round(options.keepMs / 60_000)} min`,
  );
  const keepUntil = deps.now().getTime() + options.keepMs;
  while (deps.now().getTime() < keepUntil) {
    await deps.sleep(Math.min(options.pollMs, keepUntil - deps.now().getTime()));
    const watched = await describe(deps, application, { name: clone });
    if (watched?.Health === 'Red') {
      await swap(deps, say, application, clone, options.environment, productionCname);
      const undo = await removeClone(deps, say, application, clone, template);
      throw new SwapError(
        `${clone} turned Red (${watched.HealthStatus ?? 'no detail'}) while serving: swapped back, ${options.environment} serves ${live.VersionLabel} again; ${undo}`,
      );
    }
  }

  // 3. Reconcile: the stack's environment takes the version, then production again.
  try {
    await deps.beanstalk.send(
      new UpdateEnvironmentCommand({
        ApplicationName: application,
        EnvironmentName: options.environment,
        VersionLabel: options.versionLabel,
      }),
    );
    say(`updating ${options.environment} to ${options.versionLabel} while ${clone} serves`);
    await waitServing(deps, say, application, options.environment, options);
    await swap(deps, say, application, clone, options.environment, productionCname);
  } catch (error) {
    throw new SwapError(
      `${reason(error)}; production stays on ${clone} (${options.versionLabel}), which is not the stack's environment: fix ${options.environment}, then run aws elasticbeanstalk swap-environment-cnames --source-environment-name ${clone} --destination-environment-name ${options.environment}, and terminate ${clone}`,
    );
  }
  const removed = await removeClone(deps, say, application, clone, template);
  say(`released: ${options.environment} serves ${options.versionLabel} on ${productionCname}; ${removed}`);
  return { clone };
}

/** Our own errors are already sentences; an SDK's gets its name. */
const reason = (error: unknown) => (error instanceof SwapError ? error.message : describeError(error));

async function describe(
  deps: SwapDeps,
  application: string,
  which: { name: string },
): Promise<EnvironmentDescription | undefined> {
  const found = await deps.beanstalk.send(
    new DescribeEnvironmentsCommand({
      ApplicationName: application,
      EnvironmentNames: [which.name],
      IncludeDeleted: false,
    }),
  );
  return found.Environments?.[0];
}

/** Waits for Ready and Green, then checks `/health` and `/info` through the environment's CNAME. */
async function waitServing(
  deps: SwapDeps,
  say: (m: string) => void,
  application: string,
  environment: string,
  options: SwapOptions,
): Promise<string> {
  const deadline = deps.now().getTime() + options.readyTimeoutMs;
  let last = '';
  for (;;) {
    const env = await describe(deps, application, { name: environment });
    const line = `${environment}: ${env?.Status ?? 'missing'}, health ${env?.Health ?? '-'} (${env?.HealthStatus ?? '-'})`;
    if (line !== last) say(line);
    last = line;
    if (env === undefined || env.Status === 'Terminated' || env.Status === 'Terminating') {
      throw new SwapError(`${environment} ended before serving (${env?.Status ?? 'missing'})`);
    }
    if (env.Status === 'Ready' && env.Health === 'Red') {
      throw new SwapError(`${environment} is Ready but Red (${env.HealthStatus ?? 'no detail'})`);
    }
    if (env.Status === 'Ready' && env.Health === 'Green' && env.CNAME) {
      await check(deps, environment, env.CNAME, options.expectVersion);
      say(`${environment} answers /health and /info on ${env.CNAME}`);
      return env.CNAME;
    }
    if (deps.now().getTime() >= deadline) {
      throw new SwapError(
        `${environment} was not Ready and Green within ${Math.round(options.readyTimeoutMs / 60_000)} min (${line})`,
      );
    }
    await deps.sleep(options.pollMs);
  }
}

async function check(
  deps: SwapDeps,
  environment: string,
  cname: string,
  expectVersion?: string,
): Promise<void> {
  const get = async (path: string) => {
    const url = `http://${cname}${path}`;
    const response = await deps.fetch(url).catch((error: unknown) => {
      throw new SwapError(`${environment}: GET ${url} failed (${describeError(error)})`);
    });
    if (response.status !== 200)
      throw new SwapError(`${environment}: GET ${url} answered ${response.status}`);
    return response.text();
  };
  await get('/health');
  const body = await get('/info');
  let info: { version?: unknown; engine?: unknown };
  try {
    info = JSON.parse(body) as typeof info;
  } catch {
    throw new SwapError(`${environment}: /info is not JSON`);
  }
  if (expectVersion !== undefined && info.version !== expectVersion) {
    throw new SwapError(
      `${environment}: /info reports version ${String(info.version)}, expected ${expectVersion}`,
    );
  }
}

/** Swaps the CNAMEs and waits until `to` holds the production CNAME and both are Ready. */
async function swap(
  deps: SwapDeps,
  say: (m: string) => void,
  application: string,
  from: string,
  to: string,
  productionCname: string,
): Promise<void> {
  await deps.beanstalk.send(
    new SwapEnvironmentCNAMEsCommand({ SourceEnvironmentName: from, DestinationEnvironmentName: to }),
  );
  say(`swapping CNAMEs of ${from} and ${to}`);
  for (let attempt = 1; ; attempt++) {
    const [a, b] = await Promise.all([
      describe(deps, application, { name: from }),
      describe(deps, application, { name: to }),
    ]);
    if (a?.Status === 'Ready' && b?.Status === 'Ready') {
      if (b.CNAME !== productionCname) {
        throw new SwapError(`after the swap ${to} is on ${b.CNAME}, not ${productionCname}`);
      }
      return;
    }
    if (attempt >= SWAP_POLLS) throw new SwapError(`${from} and ${to} were not Ready 10 min after the swap`);
    await deps.sleep(5_000);
  }
}

async function removeClone(
  deps: SwapDeps,
  say: (m: string) => void,
  application: string,
  clone: string,
  template: string,
): Promise<string> {
  let removed = `${clone} terminated`;
  try {
    await deps.beanstalk.send(
      new TerminateEnvironmentCommand({ EnvironmentName: clone, TerminateResources: true }),
    );
    say(`terminating ${clone}`);
  } catch (error) {
    removed = `terminating ${clone} failed (${describeError(error)}): run aws elasticbeanstalk terminate-environment --environment-name ${clone}`;
  }
  await deleteTemplate(deps, application, template);
  return removed;
}

async function deleteTemplate(deps: SwapDeps, application: string, template: string): Promise<void> {
  // The saved settings are only the clone's source; a template left behind costs nothing and is named.
  await deps.beanstalk
    .send(new DeleteConfigurationTemplateCommand({ ApplicationName: application, TemplateName: template }))
    .catch(() => undefined);
}
