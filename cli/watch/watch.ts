import { probe } from './probe.ts';
import { type Dimension, type Sample, type ShareRow, TrafficWindow } from './traffic-window.ts';

/** Options of {@link watchTraffic}. */
export interface WatchOptions {
  /** What to request. */
  readonly url: URL;
  /** Requests started per second. */
  readonly ratePerSecond: number;
  /** The sliding window the shares are computed over. */
  readonly windowMs: number;
  /** The dimensions a group is made of. */
  readonly by: readonly Dimension[];
  /** Stop after this many answers (or failures). @default - until `signal` aborts */
  readonly requests?: number;
  /** Stops the watch. */
  readonly signal?: AbortSignal;
  /** How often `onTick` hears the shares. @default 1000 */
  readonly tickMs?: number;
  readonly onTick?: (rows: ShareRow[]) => void;
  /** Hears every answer (or failure) as it arrives: what a drill measures its recovery from. */
  readonly onSample?: (sample: Sample) => void;
  /** Per request. @default 5000 */
  readonly timeoutMs?: number;
  readonly keepAlive?: boolean;
}

/**
 * Sends requests at a steady rate, independent of how fast they come back (a slow or dead region must
 * not slow the watch down and hide itself), and reports the shares of the window every tick. Requests in
 * flight are capped at what the rate would start in one timeout, so a black hole cannot pile up sockets.
 * Resolves with the last window's shares.
 */
export async function watchTraffic(options: WatchOptions): Promise<ShareRow[]> {
  if (!(options.ratePerSecond > 0)) throw new RangeError('the rate must be positive');
  const timeoutMs = options.timeoutMs ?? 5000;
  const window = new TrafficWindow(options.windowMs);
  const maxInFlight = Math.max(1, Math.ceil((options.ratePerSecond * timeoutMs) / 1000));
  let started = 0;
  let finished = 0;
  let inFlight = 0;
  const wanted = options.requests ?? Number.POSITIVE_INFINITY;
  const rows = () => window.rows(options.by, Date.now());

  await new Promise<void>((done) => {
    const stop = () => {
      clearInterval(dispatcher);
      clearInterval(ticker);
      options.signal?.removeEventListener('abort', stop);
      done();
    };
    const dispatcher = setInterval(
      () => {
        if (started >= wanted || inFlight >= maxInFlight) return;
        started += 1;
        inFlight += 1;
        void probe(options.url, { timeoutMs, keepAlive: options.keepAlive }).then((sample) => {
          inFlight -= 1;
          finished += 1;
          window.add(sample);
          options.onSample?.(sample);
          if (finished >= wanted) stop();
        });
      },
      Math.max(1, 1000 / options.ratePerSecond),
    );
    const ticker = setInterval(() => options.onTick?.(rows()), options.tickMs ?? 1000);
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop);
  });
  return rows();
}
