import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * cdk-nag's AWS Solutions pack over every stack, as a validation plugin: synthesis fails on a finding
 * nobody acknowledged. Acknowledgements live beside the construct they concern, each with its reason.
 */
export function addCompliance(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
