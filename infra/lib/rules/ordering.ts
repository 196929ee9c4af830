import {
  type Assembly,
  type AssemblyStack,
  type DeployTimeRule,
  deployedBefore,
  type Finding,
  isObject,
  literal,
  resourcesOf,
} from './assembly.ts';

/** A region-specific name one stack creates and another may name without a token. */
type NameKey = string;

const key = (kind: string, account: string, region: string, name: string): NameKey =>
  `${kind} ${account} ${region} ${name}`;

/** Every key alias, parameter name and role name the stacks create, with their creators. */
function producers(assembly: Assembly): Map<NameKey, Set<string>> {
  const made = new Map<NameKey, Set<string>>();
  const add = (k: NameKey, stack: string) => made.set(k, (made.get(k) ?? new Set()).add(stack));
  for (const stack of assembly.stacks) {
    const named = (type: string, prop: string) =>
      resourcesOf(stack, type).flatMap(([, r]) => {
        const name = literal(r.Properties?.[prop], stack);
        return name === undefined ? [] : [name];
      });
    for (const n of named('AWS::KMS::Alias', 'AliasName'))
      add(key('alias', stack.account, stack.region, n), stack.name);
    for (const n of named('AWS::SSM::Parameter', 'Name'))
      add(key('parameter', stack.account, stack.region, n), stack.name);
    for (const n of named('AWS::IAM::Role', 'RoleName')) add(key('role', stack.account, '', n), stack.name);
  }
  return made;
}

/** The names a string refers to, in the stack's account and region unless the ARN says otherwise. */
function namesIn(text: string, stack: AssemblyStack): { key: NameKey; text: string }[] {
  const alias = /^arn:[^:]+:kms:([^:]+):(\d{12}):(alias\/.+)$/.exec(text);
  if (alias !== null) return [{ key: key('alias', alias[2] ?? '', alias[1] ?? '', alias[3] ?? ''), text }];
  if (/^alias\/[^*]+$/.test(text)) return [{ key: key('alias', stack.account, stack.region, text), text }];
  const parameter = /^arn:[^:]+:ssm:([^:]+):(\d{12}):parameter(\/[^*]+)$/.exec(text);
  if (parameter !== null)
    return [{ key: key('parameter', parameter[2] ?? '', parameter[1] ?? '', parameter[3] ?? ''), text }];
  const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/*]+)$/.exec(text);
  if (role !== null) return [{ key: key('role', role[1] ?? '', '', role[2] ?? ''), text }];
  return [...text.matchAll(/\{\{resolve:ssm:([^:}]+)/g)].map((m) => ({
    key: key('parameter', stack.account, stack.region, m[1] ?? ''),
    text: m[1] ?? '',
  }));
}

/**
 * Keys whose values do not need the named thing to exist first: a condition compares names at request
 * time, and a principal is DT-POLICY-PRINCIPALS's concern.
 */
const NOT_A_USE = new Set(['Condition', 'Principal', 'NotPrincipal']);

/** Each literal (or constructed) name a resource uses, and each stack output it reads by name. */
function uses(
  value: unknown,
  stack: AssemblyStack,
  found: { text: string; key?: NameKey; stack?: string }[],
) {
  const text = literal(value, stack);
  if (text !== undefined) {
    found.push(...namesIn(text, stack));
    return found;
  }
  if (Array.isArray(value)) for (const v of value) uses(v, stack, found);
  else if (isObject(value)) {
    const output = value['Fn::GetStackOutput'];
    if (isObject(output) && typeof output.StackName === 'string')
      found.push({ text: `Fn::GetStackOutput ${output.StackName}`, stack: output.StackName });
    for (const [k, v] of Object.entries(value)) if (!NOT_A_USE.has(k)) uses(v, stack, found);
  }
  return found;
}

/** Where a name is defined rather than used. */
const DEFINITIONS: Readonly<Record<string, string>> = {
  'AWS::KMS::Alias': 'AliasName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::IAM::Role': 'RoleName',
};

export const crossStackOrder: DeployTimeRule = {
  id: 'DT-CROSS-STACK-ORDER',
  what: 'A stack that names another stack’s key alias, SSM parameter or role by a literal or constructed name (or reads its output with Fn::GetStackOutput) is deployed after it',
  source: 'aws-facts §17 (ordering across stacks; CDK sees no reference, so --concurrency may race)',
  check(assembly) {
    const made = producers(assembly);
    return assembly.stacks.flatMap((stack) => {
      const before = deployedBefore(assembly, stack.name);
      const parameters = Object.values(isObject(stack.json.Parameters) ? stack.json.Parameters : {})
        .filter((p) => isObject(p) && String(p.Type).startsWith('AWS::SSM::Parameter::Value'))
        .map((p) =>
          key('parameter', stack.account, stack.region, String((p as Record<string, unknown>).Default)),
        );
      const fromParameters: Finding[] = parameters.flatMap((k) =>
        unordered(made.get(k), stack, before).map((p) => ({
          rule: crossStackOrder.id,
          stack: stack.name,
          logicalId: 'Parameters',
          message: `reads the parameter ${k.split(' ')[3]} that ${p} creates, but is not deployed after ${p}: add addStackDependency(${p})`,
        })),
      );
      const fromResources = Object.entries(stack.json.Resources).flatMap(([id, r]) => {
        const own = DEFINITIONS[r.Type];
        const properties = own === undefined ? r.Properties : { ...r.Properties, [own]: undefined };
        const seen = new Set<string>();
        return uses(properties, stack, []).flatMap((u): Finding[] => {
          const creators = u.stack !== undefined ? new Set([u.stack]) : made.get(u.key ?? '');
          return unordered(creators, stack, before)
            .filter((p) => !seen.has(`${p} ${u.text}`) && seen.add(`${p} ${u.text}`))
            .map((p) => ({
              rule: crossStackOrder.id,
              stack: stack.name,
              logicalId: id,
              message: `names ${u.text}, which ${p} creates, but is not deployed after ${p}: add addStackDependency(${p})`,
            }));
        });
      });
      return [...fromParameters, ...fromResources];
    });
  },
};

/** The creators of a name that are neither this stack nor deployed before it (empty when one is). */
function unordered(creators: Set<string> | undefined, stack: AssemblyStack, before: Set<string>): string[] {
  if (creators === undefined || creators.has(stack.name)) return [];
  const all = [...creators];
  return all.some((c) => before.has(c)) ? [] : all;
}
