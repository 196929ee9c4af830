import type { SSMClient } from '@aws-sdk/client-ssm';

/** The region is being taken out of DNS until `until` (ISO 8601): `/health/deep` answers 503 meanwhile. */
export interface Draining {
  readonly until: string;
}

/** Whether the region drains now; undefined: serve normally. Never rejects. */
export type DrainSwitch = () => Promise<Draining | undefined>;

/** How long a read of the parameter is reused: Route 53 asks every few seconds from many places. */
export const DRAIN_CACHE_MS = 10_000;

/** Options of {@link createDrainSwitch}. */
export interface DrainSwitchOptions {
  /** The String parameter (`DRAIN_PARAMETER`) holding the time until which the region drains. */
  readonly parameterName: string;
  /** Where the parameter lives (the service's own region). */
  readonly region: string;
  /** The SSM client; created on first use, so a service that never drains never loads the SDK. */
  readonly client?: SSMClient;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** How long a read is reused. @default 10000 */
  readonly cacheMs?: number;
  /** Hears a read that failed (denied, throttled, unreachable, a value that is not a time). */
  readonly onUnreadable?: (detail: string) => void;
}

/**
 * The region's drain switch (OPS-1's game day "a region taken out of DNS"): the parameter's value is the
 * time until which the region drains, so a drill whose clean-up never runs heals itself when the time
 * passes. An absent parameter, or a time past, means serve normally. A read that fails keeps the last
 * value read (which expires by its own time) and otherwise serves normally: a broken switch never takes a
 * region out of DNS by itself. Reads are reused for `cacheMs`, and callers during a read share it.
 */
export function createDrainSwitch(options: DrainSwitchOptions): DrainSwitch {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? DRAIN_CACHE_MS;
  let known: number | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;

  const read = async (): Promise<void> => {
    try {
      const { GetParameterCommand, SSMClient } = await import('./aws-ssm.ts');
      const client = options.client ?? new SSMClient({ region: options.region });
      const answer = await client.send(new GetParameterCommand({ Name: options.parameterName }));
      const value = answer.Parameter?.Value?.trim() ?? '';
      const until = Date.parse(value);
      if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(until)) {
        options.onUnreadable?.(`${options.parameterName}: ${JSON.stringify(value)} is not an ISO 8601 time`);
        return;
      }
      known = until;
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') {
        known = undefined;
        return;
      }
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      options.onUnreadable?.(`${options.parameterName}: ${reason}`);
    } finally {
      readAt = now();
    }
  };

  return async () => {
    if (now() - readAt >= cacheMs) {
      reading ??= read().finally(() => {
        reading = undefined;
      });
      await reading;
    }
    return known !== undefined && known > now() ? { until: new Date(known).toISOString() } : undefined;
  };
}

/** The switch the settings name (`DRAIN_PARAMETER`), reporting failed reads to `log`; none without it. */
export function drainSwitchOf(
  settings: { readonly drainParameter: string | undefined; readonly servedBy: { readonly region: string } },
  log: (event: string, detail: string) => void,
): DrainSwitch | undefined {
  const parameterName = settings.drainParameter;
  if (parameterName === undefined) return undefined;
  return createDrainSwitch({
    parameterName,
    region: settings.servedBy.region,
    onUnreadable: (detail) => log('drain-unreadable', detail),
  });
}
