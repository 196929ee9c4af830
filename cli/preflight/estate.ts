// What the estate asks of the accounts, read from its synthesized assembly: where it deploys, the bootstrap
// version it needs, and the NAT gateways, Elastic IPs and Lambda concurrency each (account, region) takes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetManifestArtifact, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildEstate } from '../../infra/bin/estate.ts';
import type { AccountRole, EstateConfig } from '../../infra/config/index.ts';
import { createEstateApp } from '../../infra/lib/app.ts';

/** A template resource as far as the preflight reads it. */
interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** A synthesized stack: where it goes and what it holds. */
export interface EstateStack {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly template: { readonly Resources?: Readonly<Record<string, TemplateResource>> };
}

/** The stacks and the newest bootstrap stack version any of their artifacts requires. */
export interface EstateAssembly {
  readonly stacks: readonly EstateStack[];
  readonly bootstrapVersion: number;
}

/** One (account, region) the estate deploys to, with what its templates take from the account's quotas. */
export interface DeploySite {
  readonly role: AccountRole;
  readonly account: string;
  readonly region: string;
  readonly stacks: readonly string[];
  readonly natGateways: number;
  readonly elasticIps: number;
  /** Sum of the functions' ReservedConcurrentExecutions. */
  readonly reservedConcurrency: number;
  /** Sum of the aliases' and versions' provisioned concurrent executions. */
  readonly provisionedConcurrency: number;
}

// The DefaultStackSynthesizer's own floor, should an artifact not say (it always does today).
const SYNTHESIZER_MINIMUM = 6;

/**
 * The bootstrap version a deploy needs: the highest `requiresBootstrapStackVersion` of the stacks (their
 * deploy roles) and asset manifests (their publishing roles). Lookup roles are left out: the estate makes no
 * lookups, and the CDK CLI falls back to the deploy role to read a template.
 */
export function readAssembly(assembly: CloudAssembly): EstateAssembly {
  const required = [
    ...assembly.stacks.map((s) => s.requiresBootstrapStackVersion),
    ...assembly.artifacts
      .filter((a) => AssetManifestArtifact.isAssetManifestArtifact(a))
      .map((a) => (a as AssetManifestArtifact).requiresBootstrapStackVersion),
  ].filter((v): v is number => v !== undefined);
  return {
    stacks: assembly.stacks.map((s) => ({
      name: s.stackName,
      account: s.environment.account,
      region: s.environment.region,
      template: s.template,
    })),
    bootstrapVersion: Math.max(SYNTHESIZER_MINIMUM, ...required),
  };
}

/** The estate `config` describes, synthesized offline (no lookups, Lambda bundling skipped). */
export function synthesizeEstate(config: EstateConfig): EstateAssembly {
  const outdir = mkdtempSync(join(tmpdir(), 'estate-preflight-'));
  try {
    const app = createEstateApp({ outdir, builtinValidation: false });
    app.node.setContext('aws:cdk:bundling-stacks', []);
    buildEstate(app, config);
    return readAssembly(app.synth());
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : Number(value ?? 0) || 0);

/**
 * The sites of the stacks, primary account first, each once; throws when a stack is in neither account of
 * the config, since no credentials given to the preflight could reach it.
 */
export function deploySites(
  stacks: readonly EstateStack[],
  config: Pick<EstateConfig, 'accounts'>,
): DeploySite[] {
  const sites = new Map<string, DeploySite>();
  for (const stack of stacks) {
    const role: AccountRole | undefined =
      stack.account === config.accounts.primary
        ? 'primary'
        : stack.account === config.accounts.recovery
          ? 'recovery'
          : undefined;
    if (role === undefined) {
      throw new Error(
        `stack ${stack.name} is in account ${stack.account}, neither the primary nor the recovery account`,
      );
    }
    const key = `${role}/${stack.region}`;
    const site = sites.get(key) ?? {
      role,
      account: stack.account,
      region: stack.region,
      stacks: [],
      natGateways: 0,
      elasticIps: 0,
      reservedConcurrency: 0,
      provisionedConcurrency: 0,
    };
    const resources = Object.values(stack.template.Resources ?? {});
    const count = (type: string) => resources.filter((r) => r.Type === type).length;
    const sum = (pick: (r: TemplateResource) => unknown) =>
      resources.reduce((n, r) => n + numberOf(pick(r)), 0);
    const provisioned = (r: TemplateResource) =>
      r.Type === 'AWS::Lambda::Alias' || r.Type === 'AWS::Lambda::Version'
        ? (
            r.Properties?.ProvisionedConcurrencyConfig as
              | { ProvisionedConcurrentExecutions?: unknown }
              | undefined
          )?.ProvisionedConcurrentExecutions
        : 0;
    sites.set(key, {
      ...site,
      stacks: [...site.stacks, stack.name],
      natGateways: site.natGateways + count('AWS::EC2::NatGateway'),
      elasticIps: site.elasticIps + count('AWS::EC2::EIP'),
      reservedConcurrency:
        site.reservedConcurrency +
        sum((r) => (r.Type === 'AWS::Lambda::Function' ? r.Properties?.ReservedConcurrentExecutions : 0)),
      provisionedConcurrency: site.provisionedConcurrency + sum(provisioned),
    });
  }
  const order = (s: DeploySite) => (s.role === 'primary' ? 0 : 1);
  return [...sites.values()].sort((a, b) => order(a) - order(b));
}
