// Long work shows where it is and for how long: on a terminal one live line redrawn in place, elsewhere
// (CI logs, a pipe) one line per step, since a log cannot redraw and a redraw every tick would flood it.

/** What progress writes to: a process stream, or a test's buffer. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** One finished (or running) step and its time. */
export interface StepTime {
  readonly label: string;
  /** Since the progress started, in ms. */
  readonly startMs: number;
  /** How long the step took; undefined while it runs. */
  readonly durationMs?: number;
}

/** Seconds with one decimal, e.g. `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Steps with elapsed time. `step()` ends the running step and starts the next, `done()` ends the last;
 * `steps` holds each with its duration, so a command can print them beside its budget.
 */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #started: number;
  readonly #steps: { label: string; startMs: number; durationMs?: number }[] = [];
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(stream: ProgressStream, now: () => number = () => performance.now()) {
    this.#stream = stream;
    this.#now = now;
    this.#started = now();
  }

  /** Since the progress started, in ms. */
  elapsedMs(): number {
    return this.#now() - this.#started;
  }

  get steps(): readonly StepTime[] {
    return this.#steps.map((s) => ({ ...s }));
  }

  /** Ends the running step and starts `label`. */
  step(label: string): void {
    this.#finish();
    this.#steps.push({ label, startMs: this.elapsedMs() });
    if (this.#stream.isTTY) {
      this.#draw();
      this.#ticker = setInterval(() => this.#draw(), 250);
      this.#ticker.unref();
    } else this.#stream.write(`[${seconds(this.elapsedMs()).padStart(8)}] ${label}\n`);
  }

  /** A line that is not a step (a finding, a warning), without breaking the live line. */
  note(line: string): void {
    if (this.#stream.isTTY && this.#ticker !== undefined) {
      this.#stream.write(`\r\x1b[K${line}\n`);
      this.#draw();
    } else this.#stream.write(`${line}\n`);
  }

  /** Ends the running step; `outcome` (e.g. `failed: …`) is printed with it. */
  done(outcome = 'done'): void {
    this.#finish(outcome);
  }

  #current() {
    const last = this.#steps.at(-1);
    return last !== undefined && last.durationMs === undefined ? last : undefined;
  }

  #draw(): void {
    const step = this.#current();
    if (step === undefined) return;
    this.#stream.write(
      `\r\x1b[K[${seconds(this.elapsedMs()).padStart(8)}] ${step.label} … ${seconds(this.elapsedMs() - step.startMs)}`,
    );
  }

  #finish(outcome = 'done'): void {
    const step = this.#current();
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#ticker = undefined;
    if (step === undefined) return;
    step.durationMs = this.elapsedMs() - step.startMs;
    const line = `[${seconds(this.elapsedMs()).padStart(8)}] ${step.label}: ${outcome} in ${seconds(step.durationMs)}`;
    this.#stream.write(this.#stream.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
  }
}
