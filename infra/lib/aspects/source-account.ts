import { type IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { SOURCE_SCOPED_SERVICES } from '../rules/trust.ts';

interface TrustStatement {
  readonly Principal?: { readonly Service?: unknown };
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether the statement already names the source, by account or by ARN. */
function scoped(statement: TrustStatement): boolean {
  return Object.values(statement.Condition ?? {}).some((test) =>
    Object.keys(test).some((key) => ['aws:sourceaccount', 'aws:sourcearn'].includes(key.toLowerCase())),
  );
}

/**
 * Every role a service assumes on the account's behalf admits that service only for this account's own
 * resources (`aws:SourceAccount`), so no other account's deployment group or flow log can be pointed at
 * it (the confused deputy). Only for the services whose documentation says they send the key when
 * assuming a role (SOURCE_SCOPED_SERVICES, shared with the deploy-time rule that checks it): a service
 * that does not send it would be refused every AssumeRole. A statement that also trusts another
 * service is left alone, since its condition would apply to both.
 */
export class ServiceTrustSourceAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnRole)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.assumeRolePolicyDocument) as
      | { Statement?: TrustStatement[] }
      | undefined;
    (document?.Statement ?? []).forEach((statement, i) => {
      const services = list(statement.Principal?.Service);
      const all =
        services.length > 0 && services.every((s) => typeof s === 'string' && s in SOURCE_SCOPED_SERVICES);
      if (!all || scoped(statement)) return;
      node.addPropertyOverride(
        `AssumeRolePolicyDocument.Statement.${i}.Condition.StringEquals.aws:SourceAccount`,
        stack.account,
      );
    });
  }
}
