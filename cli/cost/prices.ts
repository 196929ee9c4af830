// The dated price table (prices.json), validated when it is read so a typo fails loudly instead of pricing at 0.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const usd = z.number().nonnegative();
const byRegion = z.record(z.string(), usd);

const priceTable = z.strictObject({
  /** The day the table was compiled from the pages under `sources`. */
  compiled: z.iso.date(),
  currency: z.literal('USD'),
  note: z.string(),
  hoursPerMonth: z.number().positive(),
  sources: z.record(z.string(), z.url()),
  regional: z.strictObject({
    natGatewayHour: byRegion,
    interfaceEndpointAzHour: byRegion,
    loadBalancerHour: byRegion,
    auroraServerlessAcuHour: byRegion,
    fargateVcpuHour: z.record(z.string(), byRegion),
    fargateGbHour: z.record(z.string(), byRegion),
    instanceHour: z.record(z.string(), byRegion),
  }),
  flat: z.strictObject({
    publicIpv4Hour: usd,
    ebsGp3GbMonth: usd,
    auroraStorageGbMonth: usd,
    snapshotGbMonth: usd,
    lambdaProvisionedGbSecond: z.record(z.string(), usd),
    kmsKeyMonth: usd,
    secretMonth: usd,
    alarmMetricMonth: usd,
    highResolutionAlarmMetricMonth: usd,
    compositeAlarmMonth: usd,
    advancedParameterMonth: usd,
    hostedZoneMonth: usd,
    healthCheckMonth: usd,
    healthCheckOptionMonth: usd,
    configItem: usd,
    configRuleEvaluation: usd,
    conformancePackEvaluation: usd,
    pipelineV2ActionMinute: usd,
    pipelineV1Month: usd,
    buildMinute: z.record(z.string(), usd),
    canaryRun: usd,
    inspectorInstanceMonth: usd,
  }),
  /** Volumes a price per use is multiplied by: what a learner's estate does in a day. */
  usage: z.strictObject({
    dataGb: usd,
    defaultVolumeGb: usd,
    configItemsPerRecorderPerDay: usd,
    evaluationsPerRulePerDay: usd,
    evaluationsPerConformancePackPerDay: usd,
    pipelineActionMinutesPerDay: usd,
    buildMinutesPerProjectPerDay: usd,
    imageBuildMinutes: usd,
  }),
  /** Types that cost nothing while idle: what they bill by once used. */
  usageOnly: z.record(z.string(), z.string()),
  /** Types AWS does not bill for. */
  free: z.array(z.string()),
});

export type PriceTable = z.infer<typeof priceTable>;

export const PRICES_FILE = new URL('./prices.json', import.meta.url);

/** The price table of the repository, or `file`; throws naming every bad key. */
export function loadPrices(file: URL | string = PRICES_FILE): PriceTable {
  const result = priceTable.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`the price table is invalid:\n${problems.join('\n')}`);
}
