// What a drill costs the users, measured from their side: the public endpoint watched at a steady rate
// (the traffic watch), and, where data can be lost, a stream of writes read back afterwards.
import type { Sample } from '../watch/traffic-window.ts';

/** An answer is right when the service itself answered 2xx: a load balancer's error page is not. */
export function isRight(sample: Sample): boolean {
  return (
    sample.status !== undefined &&
    sample.status >= 200 &&
    sample.status < 300 &&
    sample.servedBy !== undefined
  );
}

/** When the request behind a sample left, in ms since the epoch: a timeout arrives long after the fault. */
export function sentAt(sample: Sample): number {
  return sample.at - sample.latencyMs;
}

/** How the endpoint fared during a drill, as its users saw it. */
export interface Recovery {
  readonly requests: number;
  /** Requests that did not get a right answer. */
  readonly errors: number;
  /** From the first wrong answer's request to the last one's, ms since the epoch; absent when none. */
  readonly errorWindow?: { readonly from: number; readonly to: number; readonly ms: number };
  /**
   * From the first wrong answer's request to the first request of the unbroken run of right answers that
   * ends the watch: the recovery time the users saw. 0 without a wrong answer; absent when the last
   * answer was still wrong (not recovered).
   */
  readonly rtoMs?: number;
  /** Answers by version and by region: which copies served before, during and after. */
  readonly versions: Readonly<Record<string, number>>;
  readonly regions: Readonly<Record<string, number>>;
}

/** The recovery the samples show, in the order their requests left. */
export function recoveryOf(samples: readonly Sample[]): Recovery {
  const ordered = [...samples].sort((a, b) => sentAt(a) - sentAt(b));
  const wrong = ordered.filter((s) => !isRight(s));
  const count = (key: 'version' | 'region') => {
    const counts: Record<string, number> = {};
    for (const s of ordered)
      if (s.servedBy !== undefined) counts[s.servedBy[key]] = (counts[s.servedBy[key]] ?? 0) + 1;
    return counts;
  };
  const base = {
    requests: ordered.length,
    errors: wrong.length,
    versions: count('version'),
    regions: count('region'),
  };
  const first = wrong[0];
  const last = wrong.at(-1);
  if (first === undefined || last === undefined) return { ...base, rtoMs: 0 };
  const errorWindow = { from: sentAt(first), to: sentAt(last), ms: sentAt(last) - sentAt(first) };
  const backAt = ordered.slice(ordered.lastIndexOf(last) + 1)[0];
  return backAt === undefined
    ? { ...base, errorWindow }
    : { ...base, errorWindow, rtoMs: sentAt(backAt) - sentAt(first) };
}

/** How a region left the answers of the public name during a drill, and came back. */
export interface RegionAbsence {
  /** From the drill's start to the region's last answer before its longest silence; absent if it never left. */
  readonly leftAfterMs?: number;
  /** The longest silence of the region: from its last answer before it to its first after; absent if not back. */
  readonly outMs?: number;
  /** The region answered again after its longest silence. */
  readonly back: boolean;
}

/**
 * The region's absence from the answers, seen from the client: the longest silence between two of its
 * answers (the drill's start counting as one, the watch's last request closing a silence it never ended).
 * At the watch's rate a region with any share answers every few seconds; taken out of DNS it is silent
 * for minutes.
 */
export function regionAbsence(samples: readonly Sample[], region: string, from: number): RegionAbsence {
  const answered = samples
    .filter((s) => s.servedBy?.region === region)
    .map(sentAt)
    .filter((t) => t >= from)
    .sort((a, b) => a - b);
  const end = samples.reduce((latest, s) => Math.max(latest, sentAt(s)), from);
  const edges = [from, ...answered];
  let longest: { from: number; to: number; back: boolean } | undefined;
  for (let i = 0; i < edges.length; i++) {
    const start = edges[i] ?? from;
    const next = edges[i + 1];
    const gap = { from: start, to: next ?? end, back: next !== undefined };
    if (longest === undefined || gap.to - gap.from > longest.to - longest.from) longest = gap;
  }
  if (longest === undefined || longest.to === longest.from) return { back: true };
  return {
    leftAfterMs: longest.from - from,
    ...(longest.back ? { outMs: longest.to - longest.from } : {}),
    back: longest.back,
  };
}

/** One write the endpoint acknowledged. */
export interface AcknowledgedWrite {
  readonly id: string;
  /** When the 201 arrived, ms since the epoch. */
  readonly at: number;
}

/** What a stream of writes lost. */
export interface WriteLoss {
  readonly attempted: number;
  readonly acknowledged: number;
  /** Acknowledged, and answered 404 when read back: gone. */
  readonly lost: readonly AcknowledgedWrite[];
  /** Acknowledged, but the read back got no clear answer (an error, a 5xx): neither kept nor lost. */
  readonly unverified: number;
  /**
   * The data loss the users saw: from the acknowledgement of the oldest lost write to the start of the
   * outage (or to the newest lost write without one). 0 when nothing acknowledged was lost.
   */
  readonly rpoMs: number;
}

/** Options of {@link WriteStream}. */
export interface WriteStreamOptions {
  /** The endpoint's root; writes go to `store` under it. */
  readonly url: URL;
  /** Writes started per second. */
  readonly ratePerSecond: number;
  /** Marks the records as the drill's. */
  readonly label: string;
  /** Per request. @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Posts a small record to `/store` at a steady rate while a drill runs, keeps the ids of the acknowledged
 * ones, and reads each back once the drill is over: an acknowledged write that is not there is lost.
 */
export class WriteStream {
  readonly #options: WriteStreamOptions;
  readonly #acknowledged: AcknowledgedWrite[] = [];
  readonly #pending = new Set<Promise<void>>();
  #attempted = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: WriteStreamOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('the write rate must be positive');
    this.#options = options;
  }

  start(): void {
    const store = new URL('store', this.#options.url);
    this.#timer = setInterval(() => {
      const sequence = this.#attempted++;
      const write = fetch(store, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ drill: this.#options.label, sequence }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
      })
        .then(async (response) => {
          const body = (await response.json().catch(() => ({}))) as { id?: unknown };
          if (response.status === 201 && typeof body.id === 'string')
            this.#acknowledged.push({ id: body.id, at: Date.now() });
        })
        .catch(() => {});
      this.#pending.add(write);
      void write.finally(() => this.#pending.delete(write));
    }, 1000 / this.#options.ratePerSecond);
  }

  /** Stops writing and waits for the writes in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#pending);
  }

  /** Reads every acknowledged write back; `outageFrom` is when the users' errors began, if they did. */
  async verify(outageFrom?: number): Promise<WriteLoss> {
    const lost: AcknowledgedWrite[] = [];
    let unverified = 0;
    for (const write of this.#acknowledged) {
      const status = await fetch(new URL(`store/${write.id}`, this.#options.url), {
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5000),
      })
        .then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => undefined);
      if (status === 404) lost.push(write);
      else if (status !== 200) unverified += 1;
    }
    const oldest = lost[0];
    const rpoMs =
      oldest === undefined ? 0 : Math.max(0, (outageFrom ?? lost.at(-1)?.at ?? oldest.at) - oldest.at);
    return {
      attempted: this.#attempted,
      acknowledged: this.#acknowledged.length,
      lost,
      unverified,
      rpoMs,
    };
  }
}
