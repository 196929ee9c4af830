import type { AwsRegion } from '../../../config/index.ts';
import type { RegionalEndpoint } from './names.ts';

/** A regional endpoint with its Route 53 weight. */
export interface WeightedEndpoint extends RegionalEndpoint {
  /** Relative weight (Route 53 accepts 0-255 and only compares weights). */
  readonly weight: number;
}

/** Route 53's largest weight. */
export const MAX_WEIGHT = 255;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a * b) / gcd(a, b);

/**
 * DNS-1: half of the answers to the home region, the other half split evenly over the other regions
 * (all of them to whichever side is alone). Endpoints of one region (the fleet and the ASG at home) split
 * that region's share evenly. Every share is 1/d for a whole d, so the weights are L/d for the least
 * common multiple L of the d: the smallest whole weights with exactly these ratios.
 */
export function endpointWeights(
  endpoints: readonly RegionalEndpoint[],
  homeRegion: AwsRegion,
): WeightedEndpoint[] {
  const perRegion = new Map<AwsRegion, number>();
  for (const e of endpoints) perRegion.set(e.region, (perRegion.get(e.region) ?? 0) + 1);
  const others = perRegion.size - (perRegion.has(homeRegion) ? 1 : 0);
  // Home endpoint: 1/(2·inRegion); other endpoint: 1/(2·others·inRegion); the common 2 cancels out.
  const denominators = endpoints.map((e) => {
    const inRegion = perRegion.get(e.region) ?? 1;
    return e.region === homeRegion ? inRegion : others * inRegion;
  });
  const common = denominators.reduce(lcm, 1);
  const weighted = endpoints.map((e, i) => ({ ...e, weight: common / (denominators[i] ?? 1) }));
  const heaviest = Math.max(0, ...weighted.map((e) => e.weight));
  if (heaviest > MAX_WEIGHT) {
    throw new Error(
      `the weighted set needs a weight of ${heaviest}, above Route 53's ${MAX_WEIGHT}: fewer regions or endpoints per region`,
    );
  }
  return weighted;
}
