import { type App, AspectPriority, Aspects } from 'aws-cdk-lib';
import { type EstateConfig, PROFILES } from '../../config/index.ts';
import { addCompliance } from './compliance.ts';
import { Guardrails } from './guardrails.ts';
import { ServiceTrustSourceAccount } from './source-account.ts';
import { tagEstate } from './tags.ts';

export { declareLogBucket, Guardrails } from './guardrails.ts';
export { ServiceTrustSourceAccount } from './source-account.ts';

/** Every cross-cutting policy of the estate: tags, guardrails, compliance checks. */
export function applyPolicies(app: App, config: EstateConfig): void {
  Aspects.of(app).add(tagEstate(app, config), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new Guardrails({ logRetentionDays: PROFILES[config.profile].logRetentionDays }), {
    priority: AspectPriority.MUTATING,
  });
  Aspects.of(app).add(new ServiceTrustSourceAccount(), { priority: AspectPriority.MUTATING });
  addCompliance(app);
}
