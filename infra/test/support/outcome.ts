/** What one synthesis of the estate left for the tests. */
export interface SynthOutcome {
  /** Profile synthesized. */
  readonly profile: string;
  /** Cloud assembly directory. */
  readonly outdir: string;
  /** Why synthesis threw (cdk-nag findings, an aspect error, a bug), if it did. */
  readonly failure?: string | undefined;
  /** Wall time of the synthesis inside the child, in milliseconds. */
  readonly milliseconds: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** One synthesized estate per profile, made once per test run by global-setup.ts. */
    estate: Record<string, SynthOutcome>;
  }
}
