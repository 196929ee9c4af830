/** A CloudFormation resource as it appears in a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly [key: string]: unknown;
}

/** A synthesized template, as JSON. */
export interface TemplateDocument {
  readonly Resources: Record<string, TemplateResource>;
  readonly [section: string]: unknown;
}

/** One stack of a cloud assembly: what the deploy-time rules read. */
export interface AssemblyStack {
  /** Stack name (also its artifact id). */
  readonly name: string;
  /** Account it deploys to. */
  readonly account: string;
  /** Region it deploys to. */
  readonly region: string;
  /** Names of the stacks deployed before it (the manifest's dependencies). */
  readonly dependsOn: readonly string[];
  /** The template. */
  readonly json: TemplateDocument;
}

/** Every stack that one `cdk deploy --all` would deploy. */
export interface Assembly {
  readonly stacks: readonly AssemblyStack[];
}

/** One broken rule at one resource. */
export interface Finding {
  /** Id of the rule (`DT-…`). */
  readonly rule: string;
  /** Stack of the resource. */
  readonly stack: string;
  /** Logical id of the resource. */
  readonly logicalId: string;
  /** What fails at deploy time, and the fix. */
  readonly message: string;
}

/** What the operator proves before a first deploy, so that the rules may take it as given. */
export interface RuleOptions {
  /**
   * Service-linked role names (`AWSServiceRoleForAutoScaling`) or role ARNs that a preflight check
   * proves to exist in every account before the estate is deployed.
   * @default none
   */
  readonly prerequisites?: readonly string[];
}

/** One deploy-time rule: one row of the table. */
export interface DeployTimeRule {
  /** Stable id, `DT-…`. */
  readonly id: string;
  /** What it checks, in one sentence. */
  readonly what: string;
  /** The AWS document or aws-facts section it encodes. */
  readonly source: string;
  /** The findings over a whole assembly: empty when the rule holds. */
  readonly check: (assembly: Assembly, options: RuleOptions) => Finding[];
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The resources of a stack of one type (or matching a predicate), as [logical id, resource]. */
export function resourcesOf(
  stack: AssemblyStack,
  type: string | ((t: string) => boolean),
): [string, TemplateResource][] {
  const match = typeof type === 'string' ? (t: string) => t === type : type;
  return Object.entries(stack.json.Resources).filter(([, r]) => match(r.Type));
}

/** The names of every stack deployed before `name` (its dependencies, transitively). */
export function deployedBefore(assembly: Assembly, name: string): Set<string> {
  const byName = new Map(assembly.stacks.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(name);
  return seen;
}

/** Logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub placeholders). */
export function referencedIds(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedIds(v, into);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (k === 'Fn::GetAtt') {
        const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string') into.add(target);
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') {
          for (const [, id] of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g))
            if (id && !id.startsWith('AWS::')) into.add(id);
        }
        referencedIds(Array.isArray(v) ? v[1] : undefined, into);
      } else referencedIds(v, into);
    }
  }
  return into;
}

/** Whether resource `from` is created after `to` in its template (DependsOn, Ref or GetAtt, transitively). */
export function createdAfter(stack: AssemblyStack, from: string, to: string): boolean {
  const seen = new Set<string>();
  const pending = [from];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    const r = stack.json.Resources[id];
    if (r === undefined) continue;
    const direct = referencedIds(r.Properties);
    for (const d of list(r.DependsOn)) if (typeof d === 'string') direct.add(d);
    for (const d of direct) {
      if (d === to) return true;
      if (!seen.has(d)) {
        seen.add(d);
        pending.push(d);
      }
    }
  }
  return false;
}

/**
 * The string a value stands for when it is built from literals and the stack's pseudo parameters
 * only (a constructed name), or undefined when it depends on a resource.
 */
export function literal(value: unknown, stack: AssemblyStack): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!isObject(value)) return undefined;
  const pseudo: Record<string, string> = {
    'AWS::Region': stack.region,
    'AWS::AccountId': stack.account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (typeof value.Ref === 'string') return pseudo[value.Ref];
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map((p) => literal(p, stack));
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') {
    let unresolved = false;
    const text = sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const v = pseudo[name];
      if (v === undefined) unresolved = true;
      return v ?? '';
    });
    return unresolved ? undefined : text;
  }
  return undefined;
}

/** A policy statement, loosely typed. */
export interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
  readonly Sid?: string;
}

export const statementsOf = (doc: unknown): Statement[] =>
  isObject(doc) ? (list(doc.Statement).filter(isObject) as Statement[]) : [];

/** Whether an IAM action pattern (`lambda:Invoke*`, `*`) covers `action`. */
export function actionCovers(pattern: unknown, action: string): boolean {
  return typeof pattern === 'string' && glob(pattern.toLowerCase()).test(action.toLowerCase());
}

/** An IAM wildcard pattern (`*`, `?`) as a regular expression. */
export function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The logical id of a role given as `Fn::GetAtt [Role, Arn]` (or `Ref Role`), if local. */
export function localId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const att = value['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  return undefined;
}

/** Every statement of the identity policies attached to role `roleId` of a stack. */
export function roleStatements(stack: AssemblyStack, roleId: string): Statement[] {
  const role = stack.json.Resources[roleId];
  const inline = list(role?.Properties?.Policies).flatMap((p) =>
    isObject(p) ? statementsOf(p.PolicyDocument) : [],
  );
  const attached = resourcesOf(stack, (t) => t === 'AWS::IAM::Policy' || t === 'AWS::IAM::ManagedPolicy')
    .filter(([, r]) => list(r.Properties?.Roles).some((x) => localId(x) === roleId))
    .flatMap(([, r]) => statementsOf(r.Properties?.PolicyDocument));
  return [...inline, ...attached];
}

/** Names of the AWS managed policies attached to role `roleId` (`service-role/AWSBackup…`). */
export function managedPolicyNames(stack: AssemblyStack, roleId: string): string[] {
  return list(stack.json.Resources[roleId]?.Properties?.ManagedPolicyArns).flatMap((arn) => {
    const text = literal(arn, stack);
    const name = text === undefined ? undefined : /:iam::aws:policy\/(.+)$/.exec(text)?.[1];
    return name === undefined ? [] : [name];
  });
}

/** Whether the allow statements let their holder do `action` on a resource given as `target`. */
export function allows(statements: readonly Statement[], action: string, target: unknown): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => actionCovers(a, action)) &&
      list(s.Resource).some((r) => resourceCovers(r, target)),
  );
}

/** Whether a statement's resource covers a target given as a token or a literal ARN. */
export function resourceCovers(resource: unknown, target: unknown): boolean {
  if (resource === '*') return true;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (same(resource, target)) return true;
  // grantInvoke also allows `<arn>:*` (every version and alias): the bare ARN is what counts.
  const join = isObject(resource) ? resource['Fn::Join'] : undefined;
  if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1]) && join[1].length === 2) {
    if (same(join[1][0], target) && join[1][1] === ':*') return false;
  }
  return typeof resource === 'string' && typeof target === 'string' && glob(resource).test(target);
}
