import {
  type AwsRegion,
  ENGINE_KINDS,
  type EngineKind,
  type EstateConfig,
  releaseRegions,
} from '../../../config/index.ts';

/** One engine in one region, released by its own native action. */
export interface ReleaseTarget {
  /** Which engine. */
  readonly engine: EngineKind;
  /** Where it runs. */
  readonly region: AwsRegion;
}

/** One stage of the release: its targets deploy in parallel, then its regions' alarms watch the bake. */
export interface ReleaseWave {
  /** The stage name, `OneBox-us-east-1`, `Home-us-east-1`, `Wave1-eu-central-1`. */
  readonly name: string;
  /** The regions the wave touches (their release watches gate the next wave). */
  readonly regions: readonly AwsRegion[];
  /** What the wave deploys. */
  readonly targets: readonly ReleaseTarget[];
}

/**
 * The order a release takes (CICD-10), after the practice of shipping one box first, then waves that
 * grow, never every region at once: (1) the standalone fleet alone, the one box; (2) the rest of the
 * home region, its ASG and any engine whose region is the home region; (3) the other regions in the
 * configured waves (default: one region per wave, in the order the engines list them). A wave's
 * targets deploy in parallel; waves follow each other. Empty waves are left out.
 */
export function releasePlan(config: EstateConfig): ReleaseWave[] {
  const home = config.homeRegion;
  const targetsIn = (regions: readonly AwsRegion[], except: readonly EngineKind[] = []) =>
    (Object.keys(ENGINE_KINDS) as EngineKind[])
      .filter((engine) => config.engines[engine].enabled && !except.includes(engine))
      .flatMap((engine) =>
        config.engines[engine].regions
          .filter((r) => regions.includes(r))
          .map((region) => ({ engine, region })),
      );
  const waves: ReleaseWave[] = [
    {
      name: `OneBox-${home}`,
      regions: [home],
      targets: targetsIn([home]).filter((t) => t.engine === 'fleet'),
    },
    { name: `Home-${home}`, regions: [home], targets: targetsIn([home], ['fleet']) },
    ...(config.pipeline.waves ?? releaseRegions(config).map((r) => [r])).map((regions, i) => ({
      name: `Wave${i + 1}-${regions.join('-')}`,
      regions,
      targets: targetsIn(regions),
    })),
  ];
  return waves.filter((wave) => wave.targets.length > 0);
}
