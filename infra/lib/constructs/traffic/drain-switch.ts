import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type AwsRegion, type EstateConfig, parameterName } from '../../../config/index.ts';

/** The setting that names the region's drain switch to the service (service/src/drain.ts). */
export const DRAIN_SETTING = 'DRAIN_PARAMETER';

/**
 * The region's drain switch, `/<app>/<region>/traffic/drain`: a String parameter whose value is the
 * time until which every engine of the region answers `/health/deep` with 503, so Route 53 takes the
 * region out of DNS. Nothing creates it at deploy: the game day writes it and deletes it.
 */
export function drainParameterName(config: EstateConfig, region: AwsRegion): string {
  return parameterName(config, region, 'traffic', 'drain');
}

/** An engine's service identity, as the drain switch grants it. */
export interface DrainSwitchReader {
  /** May read the region's drain switch, and nothing else by it. */
  allowDrainSwitch(parameterName: string): void;
}

/** GetParameter on the drain switch alone, in its own Sid so it merges with none of the role's others. */
export function grantDrainSwitch(role: iam.IRole, parameterName: string): void {
  const { region, account, partition } = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DrainSwitchParameter',
      actions: ['ssm:GetParameter'],
      resources: [`arn:${partition}:ssm:${region}:${account}:parameter${parameterName}`],
    }),
  );
}
