// A game day's experiment in AWS FIS: the region's template for a scenario found by its tags, started, and
// followed to its end; when its stop condition ends it, which alarm did.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  type Experiment,
  type ExperimentTemplateSummary,
  FisClient,
  GetExperimentCommand,
  paginateListExperimentTemplates,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';

/** The clients of one region. */
export interface DrillClients {
  readonly fis: FisClient;
  readonly cloudWatch: CloudWatchClient;
}

export function awsDrillClients(region: string, options: object = {}): DrillClients {
  return {
    fis: new FisClient({ region, ...options }),
    cloudWatch: new CloudWatchClient({ region, ...options }),
  };
}

/** A drill that cannot go on; the message says why and what to do. */
export class DrillError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillError';
  }
}

/** How an experiment ended. */
export interface ExperimentEnd {
  readonly id: string;
  /** FIS's final state: completed, stopped, failed or cancelled. */
  readonly status: string;
  /** FIS's reason for it. */
  readonly reason?: string;
  /** For `stopped`: the stop-condition alarms in ALARM, i.e. what stopped it (empty: stopped by hand). */
  readonly stoppedBy: readonly string[];
  readonly startedAt?: Date;
  readonly endedAt?: Date;
}

const DONE = new Set(['completed', 'stopped', 'failed', 'cancelled']);

/** Turns an SDK error into a message naming the call and, for a refusal, the missing permission. */
function explain(call: string, error: unknown): DrillError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AccessDeniedException' || name === 'AccessDenied')
    return new DrillError(`${call} was refused (${name}): the caller needs ${call} — ${message}`);
  return new DrillError(`${call} failed (${name}): ${message}`);
}

/** The region's template for `scenario`, tagged by the estate (`app`) and the scenario. */
export async function findTemplate(
  fis: FisClient,
  tag: { key: string; value: string },
  scenario: string,
): Promise<ExperimentTemplateSummary> {
  const found: ExperimentTemplateSummary[] = [];
  try {
    for await (const page of paginateListExperimentTemplates({ client: fis }, {}))
      for (const template of page.experimentTemplates ?? [])
        if (template.tags?.[tag.key] === tag.value && template.tags?.scenario === scenario)
          found.push(template);
  } catch (error) {
    throw explain('fis:ListExperimentTemplates', error);
  }
  const [template, ...others] = found;
  if (template === undefined)
    throw new DrillError(
      `no experiment template tagged ${tag.key}=${tag.value} and scenario=${scenario} in ${await fis.config.region()}: deploy the estate with features.drills, in a region that runs what the scenario needs`,
    );
  if (others.length > 0)
    throw new DrillError(
      `${found.length} experiment templates tagged ${tag.key}=${tag.value}, scenario=${scenario}: ${found.map((t) => t.id).join(', ')}; one is expected`,
    );
  return template;
}

/** Starts the template's experiment; the client token makes a retried call start it once. */
export async function startExperiment(
  fis: FisClient,
  templateId: string,
  clientToken: string,
  tags: Record<string, string>,
): Promise<Experiment> {
  try {
    const { experiment } = await fis.send(
      new StartExperimentCommand({ experimentTemplateId: templateId, clientToken, tags }),
    );
    if (experiment?.id === undefined) throw new DrillError(`fis:StartExperiment returned no experiment`);
    return experiment;
  } catch (error) {
    if (error instanceof DrillError) throw error;
    throw explain('fis:StartExperiment', error);
  }
}

/** Polls the experiment until it ends; `onState` hears each new state. */
export async function followExperiment(
  clients: DrillClients,
  id: string,
  options: {
    readonly pollMs: number;
    readonly timeoutMs: number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
    readonly onState?: (status: string, reason?: string) => void;
  },
): Promise<ExperimentEnd> {
  const deadline = options.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    let experiment: Experiment | undefined;
    try {
      ({ experiment } = await clients.fis.send(new GetExperimentCommand({ id })));
    } catch (error) {
      throw explain('fis:GetExperiment', error);
    }
    const status = experiment?.state?.status ?? 'unknown';
    if (status !== last) options.onState?.(status, experiment?.state?.reason);
    last = status;
    if (DONE.has(status)) {
      const stoppedBy =
        status === 'stopped' ? await alarmsInAlarm(clients.cloudWatch, experiment?.stopConditions ?? []) : [];
      return {
        id,
        status,
        reason: experiment?.state?.reason,
        stoppedBy,
        startedAt: experiment?.startTime,
        endedAt: experiment?.endTime,
      };
    }
    if (options.now() >= deadline)
      throw new DrillError(
        `experiment ${id} is still ${status} after ${options.timeoutMs / 1000} s; follow it in the FIS console or stop it with aws fis stop-experiment --id ${id}`,
      );
    await options.sleep(options.pollMs);
  }
}

/** The names of the stop-condition alarms now in ALARM. */
async function alarmsInAlarm(
  cloudWatch: CloudWatchClient,
  conditions: readonly { source?: string; value?: string }[],
): Promise<string[]> {
  const names = conditions
    .filter((c) => c.source === 'aws:cloudwatch:alarm' && c.value !== undefined)
    .map((c) => c.value?.split(':alarm:')[1] ?? '')
    .filter(Boolean);
  if (names.length === 0) return [];
  try {
    const { MetricAlarms = [], CompositeAlarms = [] } = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names, StateValue: 'ALARM' }),
    );
    return [...MetricAlarms, ...CompositeAlarms].flatMap((a) =>
      a.AlarmName === undefined ? [] : [a.AlarmName],
    );
  } catch (error) {
    throw explain('cloudwatch:DescribeAlarms', error);
  }
}
