import type { TemplateJson } from '../../support/estate.ts';

type Resource = TemplateJson['Resources'][string];

/** `[logicalId, resource]` of every resource of `type`. */
export function resources(json: TemplateJson, type: string): [string, Resource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** The one resource of `type` (that `which` accepts, if given); fails naming how many there were. */
export function only(
  json: TemplateJson,
  type: string,
  which: (resource: Resource) => boolean = () => true,
): [string, Resource] {
  const found = resources(json, type).filter(([, r]) => which(r));
  if (found.length !== 1 || found[0] === undefined)
    throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0];
}

/**
 * A CloudFormation string expression as text: `Fn::Join` pieces concatenated, `Ref` as `<Ref:Id>`,
 * `Fn::GetAtt` as `<Id.Attr>`, anything else as `<?>`. Lets a test read a custom resource's JSON call
 * or user data that mixes literals and references.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (typeof v.Ref === 'string') return `<Ref:${v.Ref}>`;
  if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::Base64'] !== undefined) return flatten(v['Fn::Base64']);
  return '<?>';
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export function target(value: unknown): string | undefined {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt'])) return (v['Fn::GetAtt'] as string[])[0];
  return undefined;
}

/** The launch template data of the engine's one launch template. */
export function launchTemplateData(json: TemplateJson): Record<string, unknown> {
  const [, template] = only(json, 'AWS::EC2::LaunchTemplate');
  return template.Properties?.LaunchTemplateData as Record<string, unknown>;
}

/** A resource's properties, `{}` when it has none. */
export function props(resource: Resource | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}
