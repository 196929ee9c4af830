import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, estateSites } from '../../../../config/index.ts';
import { createEstateApp } from '../../../../lib/app.ts';
import { addCompliance } from '../../../../lib/aspects/compliance.ts';
import { BUILDSPEC_PATH } from '../../../../lib/constructs/delivery/service-build.ts';
import { FoundationStack } from '../../../../lib/stacks/foundation-stack.ts';
import { PipelineStack } from '../../../../lib/stacks/pipeline-stack.ts';
import { evaluate, type PolicyStatement } from '../../../support/policy-evaluator.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** The statements of every policy on the build project's role, in the lab's home pipeline stack. */
function buildRoleStatements(): PolicyStatement[] {
  const app = createEstateApp({ builtinValidation: false });
  // cdk-nag over the stacks: synthesis fails on a finding nobody acknowledged with a reason.
  addCompliance(app);
  const config = DEFAULT_CONFIG;
  const site = estateSites(config).find((s) => s.role === 'primary' && s.region === config.homeRegion);
  if (site === undefined) throw new Error('no home site');
  const foundation = new FoundationStack(app, { config, site });
  const stack = new PipelineStack(app, { config, site, foundation });
  const resources = Object.values(
    (app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, Resource> })
      .Resources,
  );
  const project = resources.find(
    (r) =>
      r.Type === 'AWS::CodeBuild::Project' &&
      (r.Properties.Source as { BuildSpec?: string }).BuildSpec === BUILDSPEC_PATH,
  );
  const serviceRole = project?.Properties.ServiceRole as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const role = serviceRole?.['Fn::GetAtt']?.[0];
  if (role === undefined) throw new Error('no build project with a role of the stack');
  return resources
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

const statements = buildRoleStatements();

describe('the release build', () => {
  it("GOV-4: its role reads Inspector's coverage and findings for the image gate, and nothing else of Inspector", () => {
    for (const action of ['inspector2:ListCoverage', 'inspector2:ListFindings'])
      expect(evaluate(statements, { action }), action).toBe('allow');
    const inspector = statements.flatMap((s) =>
      [s.Action ?? []].flat().filter((a) => a.startsWith('inspector2:')),
    );
    expect(inspector.sort()).toEqual(['inspector2:ListCoverage', 'inspector2:ListFindings']);
  });
});
