// The release pipeline as a picture (CICD-10): the stages of the synthesized pipeline from left to right,
// inside each the regions its actions run in, the arrows between stages labelled with the gate a wave
// passes (the bake under its regions' alarms). pipeline-diagram.ts writes it to docs/pipeline.md.
import type { SynthesizedStack } from './estate-templates.ts';

/** Where the generated picture lives, relative to the repository root. */
export const PIPELINE_DOC = 'docs/pipeline.md';

/** What the picture shows of an action. */
export interface PictureAction {
  /** The action's name without its region: `Fleet` of `Fleet-us-east-1`. */
  readonly name: string;
  /** The action provider: CodeDeploy, ECS, CodeBuild… */
  readonly provider: string;
  readonly region: string;
  /** The account the action runs in, when not the pipeline's (its role is another account's). */
  readonly account?: string;
  readonly runOrder: number;
}

/** What the picture shows of a stage. */
export interface PictureStage {
  readonly name: string;
  readonly actions: readonly PictureAction[];
  /** Minutes the stage bakes under alarms before the next starts; undefined without a condition. */
  readonly bakeMinutes?: number;
  /** The alarms the bake watches. */
  readonly alarms: readonly string[];
  /** Whether a failure rolls the stage back. */
  readonly rollsBack: boolean;
  /** Whether a deployment window keeps the stage from starting outside the release hours. */
  readonly releaseHours: boolean;
}

interface CfnAction {
  Name: string;
  ActionTypeId: { Provider: string };
  Region?: string;
  RunOrder?: number;
  RoleArn?: unknown;
}
interface CfnRule {
  RuleTypeId: { Provider: string };
  Configuration: Record<string, unknown>;
}
interface CfnStage {
  Name: string;
  Actions: CfnAction[];
  BeforeEntry?: { Conditions: { Rules: CfnRule[] }[] };
  OnSuccess?: { Conditions: { Rules: CfnRule[] }[] };
  OnFailure?: { Result: string };
}

/** The stages of the one pipeline in the estate's stacks, as the pipeline template declares them. */
export function pictureStages(stacks: readonly SynthesizedStack[]): PictureStage[] {
  const found = stacks.flatMap((stack) =>
    Object.values(
      (
        stack.template as {
          Resources?: Record<string, { Type: string; Properties: { Stages?: CfnStage[] } }>;
        }
      ).Resources ?? {},
    )
      .filter((r) => r.Type === 'AWS::CodePipeline::Pipeline')
      .map((r) => ({ region: stack.region, account: stack.account, stages: r.Properties.Stages ?? [] })),
  );
  const [pipeline, ...others] = found;
  if (pipeline === undefined || others.length > 0)
    throw new Error(`expected one release pipeline in the estate, found ${found.length}`);
  return pipeline.stages.map((stage) => {
    const rules = (conditions?: { Conditions: { Rules: CfnRule[] }[] }) =>
      (conditions?.Conditions ?? []).flatMap((c) => c.Rules);
    const watches = rules(stage.OnSuccess).filter((r) => r.RuleTypeId.Provider === 'CloudWatchAlarm');
    const [first] = watches;
    return {
      name: stage.Name,
      actions: stage.Actions.map((action) => {
        const region = action.Region ?? pipeline.region;
        const [, account] =
          /^arn:[^:]+:iam::(\d{12}):role\//.exec(typeof action.RoleArn === 'string' ? action.RoleArn : '') ??
          [];
        return {
          name: action.Name.endsWith(`-${region}`) ? action.Name.slice(0, -region.length - 1) : action.Name,
          provider: action.ActionTypeId.Provider,
          region,
          ...(account === undefined || account === pipeline.account ? {} : { account }),
          runOrder: action.RunOrder ?? 1,
        };
      }),
      ...(first === undefined ? {} : { bakeMinutes: Number(first.Configuration.WaitTime) }),
      alarms: watches.map((r) => String(r.Configuration.AlarmName)),
      rollsBack: stage.OnFailure?.Result === 'ROLLBACK',
      releaseHours: rules(stage.BeforeEntry).some((r) => r.RuleTypeId.Provider === 'DeploymentWindow'),
    };
  });
}

/** A Mermaid id: letters, digits and underscores only. */
function mermaidId(...parts: readonly string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * The pipeline as a Mermaid flowchart: one subgraph per stage, left to right; inside, one subgraph per
 * region its actions run in; an action's box says its step (`1.`, `2.` when a stage runs in steps) and
 * provider; the arrow out of a stage says what it waits for before the next.
 */
export function pipelineMermaid(stages: readonly PictureStage[]): string {
  const lines = ['flowchart LR'];
  for (const stage of stages) {
    const notes = [
      stage.releaseHours ? 'starts in release hours' : '',
      stage.rollsBack ? 'rolls back on failure' : '',
    ].filter(Boolean);
    const title = [`<b>${stage.name}</b>`, ...notes].join('<br/>');
    lines.push(`  subgraph ${mermaidId(stage.name)} ["${title}"]`, '    direction TB');
    const steps = new Set(stage.actions.map((a) => a.runOrder)).size > 1;
    // An action in another account is boxed with its account: the same region of two accounts is two places.
    const place = (a: PictureAction) =>
      a.account === undefined ? a.region : `${a.region}, account ${a.account}`;
    for (const where of [...new Set(stage.actions.map(place))]) {
      lines.push(`    subgraph ${mermaidId(stage.name, where)} ["${where}"]`);
      for (const action of stage.actions.filter((a) => place(a) === where)) {
        const step = steps ? `${action.runOrder}. ` : '';
        lines.push(
          `      ${mermaidId(stage.name, action.name)}["${step}<b>${action.name}</b><br/>${action.provider}"]`,
        );
      }
      lines.push('    end');
    }
    lines.push('  end');
  }
  stages.slice(1).forEach((stage, i) => {
    const before = stages[i];
    if (before === undefined) return;
    const gate =
      before.bakeMinutes === undefined
        ? ''
        : `|"bake ${before.bakeMinutes} min under ${before.alarms.join(', ')}; rolls back if one fires"|`;
    lines.push(`  ${mermaidId(before.name)} -->${gate} ${mermaidId(stage.name)}`);
  });
  return lines.join('\n');
}

/** The whole of docs/pipeline.md around the Mermaid text. */
export function pipelineDocument(mermaid: string): string {
  return [
    '# The release pipeline',
    '',
    'Generated by `npm run pipeline-diagram` from the synthesized pipeline of the default estate; do not',
    'edit. Stages run left to right; inside a stage, the regions its actions deploy to (the Verify step',
    'runs in the home region and calls every engine of its wave); an arrow says what a stage waits for',
    'before the next starts.',
    '',
    '```mermaid',
    mermaid,
    '```',
    '',
  ].join('\n');
}
