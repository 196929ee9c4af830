import { readFileSync } from 'node:fs';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import * as ec2 from '@aws-sdk/client-ec2';
import * as s3 from '@aws-sdk/client-s3';
import * as ssm from '@aws-sdk/client-ssm';
import { parse } from 'yaml';

// Runs an SSM Automation runbook (schemaVersion 0.3) the way Systems Manager does, for the actions our
// runbooks use, against AWS SDK v3 clients that the tests mock. Each aws:executeAwsApi call becomes the
// SDK command of the same name with the same input members (boto3 and SDK v3 share the service models).
// Anything outside that subset throws, so a runbook cannot pass on an action this does not understand.

/** A runbook parameter's declaration. */
export interface RunbookParameter {
  readonly type: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly allowedValues?: readonly string[];
  readonly default?: unknown;
}

/** One step of `mainSteps`. */
export interface RunbookStep {
  readonly name: string;
  readonly action: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs?: readonly { Name: string; Selector: string; Type: string }[];
  readonly onFailure?: string;
  readonly isCritical?: boolean;
  readonly isEnd?: boolean;
  readonly nextStep?: string;
  readonly maxAttempts?: number;
  readonly timeoutSeconds?: number;
}

/** An Automation document. */
export interface Runbook {
  readonly schemaVersion: string;
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: Record<string, RunbookParameter>;
  readonly mainSteps: readonly RunbookStep[];
  readonly outputs?: readonly string[];
}

/** The runbook `deploy/runbooks/<name>.yaml`. */
export function loadRunbook(name: string): Runbook {
  return parse(readFileSync(new URL(`../../runbooks/${name}.yaml`, import.meta.url), 'utf8')) as Runbook;
}

const PARAMETER_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'];
const OUTPUT_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'];
/** Inputs each action requires, from the Automation actions reference. */
const REQUIRED_INPUTS: Readonly<Record<string, readonly string[]>> = {
  'aws:createTags': ['ResourceType', 'ResourceIds', 'Tags'],
  'aws:executeAwsApi': ['Service', 'Api'],
  'aws:assertAwsResourceProperty': ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
  'aws:sleep': ['Duration'],
  'aws:branch': ['Choices'],
  'aws:runCommand': ['DocumentName'],
};
const REFERENCE = /\{\{\s*([A-Za-z0-9_.:]+)\s*\}\}/g;

/**
 * What is wrong with a runbook's shape, empty when Systems Manager would accept what we rely on:
 * schema 0.3, a described role parameter, typed parameters, unique step names, known actions with their
 * required inputs, jumps to steps that exist, and references only to parameters or earlier outputs.
 */
export function runbookProblems(doc: Runbook): string[] {
  const found: string[] = [];
  if (doc.schemaVersion !== '0.3') found.push(`schemaVersion is ${doc.schemaVersion}, expected 0.3`);
  if (typeof doc.description !== 'string' || doc.description.length === 0) found.push('no description');
  const params = doc.parameters ?? {};
  const roleParam = /^\{\{\s*(\w+)\s*\}\}$/.exec(doc.assumeRole ?? '')?.[1];
  if (roleParam === undefined || params[roleParam] === undefined)
    found.push('assumeRole must name a parameter');
  for (const [name, p] of Object.entries(params)) {
    if (!PARAMETER_TYPES.includes(p.type)) found.push(`parameter ${name} has type ${p.type}`);
    if (p.allowedPattern !== undefined) new RegExp(p.allowedPattern);
  }
  const steps = doc.mainSteps ?? [];
  if (steps.length === 0) found.push('no mainSteps');
  const names = steps.map((s) => s.name);
  const known = new Set<string>(Object.keys(params));
  steps.forEach((step, i) => {
    if (!/^[A-Za-z0-9_]+$/.test(step.name)) found.push(`step name ${step.name}`);
    if (names.indexOf(step.name) !== i) found.push(`step ${step.name} is named twice`);
    const required = REQUIRED_INPUTS[step.action];
    if (required === undefined) found.push(`step ${step.name}: unsupported action ${step.action}`);
    for (const input of required ?? []) {
      if (step.inputs?.[input] === undefined) found.push(`step ${step.name}: ${step.action} needs ${input}`);
    }
    const jumps = [
      step.nextStep,
      step.onFailure?.startsWith('step:') ? step.onFailure.slice(5) : undefined,
      ...(step.action === 'aws:branch'
        ? [
            ...(step.inputs.Choices as { NextStep: string }[]).map((c) => c.NextStep),
            step.inputs.Default as string | undefined,
          ]
        : []),
    ];
    for (const jump of jumps) {
      if (jump !== undefined && !names.includes(jump)) found.push(`step ${step.name} jumps to ${jump}`);
    }
    for (const [, ref] of JSON.stringify(step.inputs ?? {}).matchAll(REFERENCE)) {
      if (
        ref !== undefined &&
        !known.has(ref) &&
        !ref.startsWith('global:') &&
        !ref.startsWith('automation:')
      )
        found.push(`step ${step.name} refers to ${ref}, which is neither a parameter nor an earlier output`);
    }
    for (const output of step.outputs ?? []) {
      if (!OUTPUT_TYPES.includes(output.Type)) found.push(`output ${step.name}.${output.Name} type`);
      if (!output.Selector.startsWith('$')) found.push(`output ${step.name}.${output.Name} selector`);
      known.add(`${step.name}.${output.Name}`);
    }
  });
  for (const output of doc.outputs ?? []) {
    if (!known.has(output)) found.push(`document output ${output} is not a step output`);
  }
  return found;
}

/** The clients the runbook's calls go to. */
export interface AutomationClients {
  readonly cloudwatch?: cloudwatch.CloudWatchClient;
  readonly ec2: ec2.EC2Client;
  readonly s3: s3.S3Client;
  readonly ssm: ssm.SSMClient;
}

/** What one step did. */
export interface StepResult {
  readonly name: string;
  readonly status: 'Success' | 'Failed';
  readonly failure?: string;
}

/** An execution's outcome, as GetAutomationExecution reports it. */
export interface AutomationResult {
  readonly status: 'Success' | 'Failed';
  readonly steps: readonly StepResult[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

const MODULES: Readonly<Record<string, Record<string, unknown>>> = { cloudwatch, ec2, s3, ssm };

/** Runs the runbook with these parameters, as StartAutomationExecution would. */
export async function runAutomation(
  doc: Runbook,
  given: Readonly<Record<string, unknown>>,
  clients: AutomationClients,
): Promise<AutomationResult> {
  const values = new Map<string, unknown>();
  for (const [name, p] of Object.entries(doc.parameters)) {
    const value = given[name] ?? p.default;
    if (value === undefined) throw new Error(`parameter ${name} is required`);
    if (p.allowedPattern !== undefined && !new RegExp(p.allowedPattern).test(String(value)))
      throw new Error(`parameter ${name}: ${String(value)} does not match ${p.allowedPattern}`);
    if (p.allowedValues !== undefined && !p.allowedValues.includes(String(value)))
      throw new Error(`parameter ${name}: ${String(value)} is not allowed`);
    values.set(name, value);
  }
  for (const name of Object.keys(given)) {
    if (doc.parameters[name] === undefined) throw new Error(`unknown parameter ${name}`);
  }

  const results: StepResult[] = [];
  let failed = false;
  let index = 0;
  const at = (name: string) => doc.mainSteps.findIndex((s) => s.name === name);
  while (index >= 0 && index < doc.mainSteps.length) {
    const step = doc.mainSteps[index] as RunbookStep;
    const inputs = substitute(step.inputs, values) as Record<string, unknown>;
    let next: number | undefined;
    try {
      const attempts = step.maxAttempts ?? 1;
      for (let attempt = 1; ; attempt++) {
        try {
          next = await execute(step, inputs, values, clients, at);
          break;
        } catch (error) {
          if (attempt >= attempts) throw error;
        }
      }
      results.push({ name: step.name, status: 'Success' });
    } catch (error) {
      results.push({ name: step.name, status: 'Failed', failure: (error as Error).message });
      if (step.isCritical !== false) failed = true;
      const onFailure = step.onFailure ?? 'Abort';
      if (onFailure.startsWith('step:')) {
        index = at(onFailure.slice(5));
        continue;
      }
      if (onFailure === 'Continue') {
        index += 1;
        continue;
      }
      failed = true;
      break;
    }
    if (step.isEnd === true) break;
    index = next ?? (step.nextStep === undefined ? index + 1 : at(step.nextStep));
  }
  const outputs = Object.fromEntries((doc.outputs ?? []).map((o) => [o, values.get(o)]));
  return { status: failed ? 'Failed' : 'Success', steps: results, outputs };
}

/** Runs one step; returns the index of the step a branch chose. */
async function execute(
  step: RunbookStep,
  inputs: Record<string, unknown>,
  values: Map<string, unknown>,
  clients: AutomationClients,
  at: (name: string) => number,
): Promise<number | undefined> {
  switch (step.action) {
    case 'aws:createTags': {
      if (inputs.ResourceType !== 'EC2') throw new Error(`ResourceType ${String(inputs.ResourceType)}`);
      await clients.ec2.send(
        new ec2.CreateTagsCommand({
          Resources: inputs.ResourceIds as string[],
          Tags: inputs.Tags as ec2.Tag[],
        }),
      );
      return undefined;
    }
    case 'aws:executeAwsApi': {
      const response = await call(inputs, clients);
      for (const output of step.outputs ?? []) {
        const found = select(response, output.Selector);
        values.set(`${step.name}.${output.Name}`, output.Type === 'StringList' ? found : found[0]);
      }
      return undefined;
    }
    case 'aws:assertAwsResourceProperty': {
      const { PropertySelector, DesiredValues, ...request } = inputs;
      const [actual] = select(await call(request, clients), String(PropertySelector));
      if (!(DesiredValues as unknown[]).map(String).includes(String(actual)))
        throw new Error(`${String(PropertySelector)} is ${String(actual)}, not one of ${DesiredValues}`);
      return undefined;
    }
    case 'aws:sleep':
      return undefined;
    case 'aws:branch': {
      const choices = inputs.Choices as Record<string, unknown>[];
      const chosen = choices.find((c) => holds(c));
      const target = (chosen?.NextStep ?? inputs.Default) as string | undefined;
      return target === undefined ? undefined : at(target);
    }
    case 'aws:runCommand': {
      const sent = await clients.ssm.send(
        new ssm.SendCommandCommand(inputs as unknown as ssm.SendCommandCommandInput),
      );
      const commandId = sent.Command?.CommandId;
      for (const instanceId of (inputs.InstanceIds as string[] | undefined) ?? []) {
        const invocation = await clients.ssm.send(
          new ssm.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        );
        if (invocation.Status !== 'Success')
          throw new Error(`command ${commandId} on ${instanceId}: ${invocation.Status}`);
      }
      values.set(`${step.name}.CommandId`, commandId);
      return undefined;
    }
    default:
      throw new Error(`unsupported action ${step.action}`);
  }
}

/** The SDK command `<Api>Command` of the service's client, with the remaining inputs as its input. */
async function call(inputs: Record<string, unknown>, clients: AutomationClients): Promise<unknown> {
  const { Service, Api, ...input } = inputs;
  const service = String(Service);
  const module = MODULES[service];
  const Command = module?.[`${String(Api)}Command`] as (new (input: unknown) => never) | undefined;
  if (Command === undefined) throw new Error(`no SDK command for ${service}:${String(Api)}`);
  const client = clients[service as keyof AutomationClients] as
    | { send(c: unknown): Promise<unknown> }
    | undefined;
  if (client === undefined) throw new Error(`no ${service} client given to the automation`);
  return client.send(new Command(input));
}

/** `{{ Name }}` references replaced by their values; a whole-string reference keeps a list a list. */
function substitute(value: unknown, values: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([A-Za-z0-9_.:]+)\s*\}\}$/.exec(value);
    if (whole?.[1] !== undefined && values.has(whole[1])) return values.get(whole[1]);
    return value.replace(REFERENCE, (text, name: string) =>
      values.has(name) ? String(values.get(name)) : text,
    );
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  return value;
}

/** An aws:branch choice: one operator, or And / Or / Not of choices. */
function holds(choice: Record<string, unknown>): boolean {
  if (Array.isArray(choice.And)) return choice.And.every((c) => holds(c));
  if (Array.isArray(choice.Or)) return choice.Or.some((c) => holds(c));
  if (choice.Not !== undefined) return !holds(choice.Not as Record<string, unknown>);
  const variable = choice.Variable;
  if ('StringEquals' in choice) return variable === choice.StringEquals;
  if ('EqualsIgnoreCase' in choice)
    return String(variable).toLowerCase() === String(choice.EqualsIgnoreCase).toLowerCase();
  if ('StartsWith' in choice) return String(variable).startsWith(String(choice.StartsWith));
  if ('Contains' in choice) return String(variable).includes(String(choice.Contains));
  if ('NumericEquals' in choice) return Number(variable) === Number(choice.NumericEquals);
  if ('BooleanEquals' in choice) return String(variable) === String(choice.BooleanEquals);
  throw new Error(`unsupported choice ${JSON.stringify(choice)}`);
}

/**
 * The JSONPath subset our selectors use: `$`, `.Member`, `[n]` and `[?(@.Key == 'value')]`. The result
 * is every match, in order.
 */
export function select(document: unknown, selector: string): unknown[] {
  if (!selector.startsWith('$')) throw new Error(`selector ${selector} does not start at $`);
  const token = /^(?:\.([A-Za-z0-9_]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_]+) == '([^']*)'\)\])/;
  let nodes: unknown[] = [document];
  let rest = selector.slice(1);
  while (rest.length > 0) {
    const match = token.exec(rest);
    if (match === null) throw new Error(`unsupported selector syntax at ${rest}`);
    const [text, member, position, key, wanted] = match;
    const objects = nodes.filter((n): n is Record<string, unknown> => typeof n === 'object' && n !== null);
    const arrays = nodes.filter((n): n is Record<string, unknown>[] => Array.isArray(n));
    if (member !== undefined) nodes = objects.map((n) => n[member]);
    else if (position !== undefined) nodes = arrays.map((n) => n[Number(position)]);
    else nodes = arrays.flatMap((n) => n.filter((e) => e?.[key as string] === wanted));
    nodes = nodes.filter((n) => n !== undefined);
    rest = rest.slice(text.length);
  }
  return nodes;
}
