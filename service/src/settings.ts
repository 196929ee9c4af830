import { availableParallelism, hostname } from 'node:os';
import * as z from 'zod/mini';
import { SettingsError } from './errors.ts';

/** What identifies the copy of the service that answered: sent on every response and in `GET /info`. */
export interface ServedBy {
  /** The deployed version (`APP_VERSION`). */
  readonly version: string;
  /** The AWS region (`AWS_REGION`), `local` outside AWS. */
  readonly region: string;
  /** The compute engine: ec2, asg, beanstalk, ecs, lambda or local (`ENGINE`). */
  readonly engine: string;
  /** The deployment colour, e.g. blue or green (`COLOUR`). */
  readonly colour: string;
  /** The instance, task or host that answered (`INSTANCE`, else the host name). */
  readonly instance: string;
}

/** Where the records live. */
export type DatabaseSettings =
  /** A PostgreSQL server reached with a connection URL (`DATABASE_URL`). */
  | { readonly kind: 'url'; readonly url: string }
  /**
   * A PostgreSQL server whose credentials sit in SSM Parameter Store (`DB_SECRET_PARAMETER`), optionally
   * reached at the host another String parameter holds instead of the credentials' own (`DB_HOST_PARAMETER`).
   */
  | { readonly kind: 'ssm-parameter'; readonly parameterName: string; readonly hostParameterName?: string }
  /** The embedded PGlite database, in memory unless `PGLITE_PATH` names a data directory. */
  | { readonly kind: 'embedded'; readonly dataDir: string | undefined };

/** The whole configuration of the service, read from the environment once, at start. */
export interface Settings {
  /** TCP port of web mode. @default 8080 */
  readonly port: number;
  /** Web-mode processes; 1 means no cluster. @default the number of cores */
  readonly workers: number;
  /** Share of requests whose log line records a simulated business `failure`. @default 0 */
  readonly failureRate: number;
  /** Seed that makes the failure share reproducible; unseeded when undefined. */
  readonly failureSeed: number | undefined;
  /** `root-500` makes `GET /` answer 500 (to rehearse alarm rollbacks). */
  readonly faultMode: 'root-500' | undefined;
  /** How long a SIGTERM may wait for in-flight requests before the process gives up. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** What identifies this copy of the service. */
  readonly servedBy: ServedBy;
  /** Where the records live. */
  readonly database: DatabaseSettings;
  /** The String parameter whose value is the time until which the region drains (`DRAIN_PARAMETER`). */
  readonly drainParameter: string | undefined;
}

/** Defaults that depend on the mode the service runs in (web or Lambda). */
export interface ModeDefaults {
  /** Engine reported when `ENGINE` is unset. @default 'local' */
  readonly engine?: string;
}

// zod/mini: the same validation as zod's chained API, but tree-shakeable, so it adds a few KiB to the
// Lambda entry instead of ~450 KiB.

function integer(min: number, max: number) {
  const error = `expected an integer between ${min} and ${max}`;
  return z
    .pipe(z.string().check(z.regex(/^\d{1,10}$/, { error })), z.transform(Number))
    .check(z.refine((value) => value >= min && value <= max, { error }));
}

const label = z
  .string()
  .check(z.regex(/^[\w.:/@+-]{1,128}$/, { error: 'expected 1-128 letters, digits or . : / @ + - _' }));

const environmentSchema = z.object({
  PORT: z.optional(integer(1, 65_535)),
  WORKERS: z.optional(integer(1, 256)),
  FAILURE_RATE: z.optional(
    z.pipe(
      z.string().check(z.regex(/^(0?\.\d+|[01](\.0*)?)$/, { error: 'expected a number between 0 and 1' })),
      z.transform(Number),
    ),
  ),
  FAILURE_SEED: z.optional(integer(0, 2 ** 32 - 1)),
  FAULT_MODE: z.optional(z.enum(['root-500'], { error: 'expected root-500 or nothing' })),
  SHUTDOWN_TIMEOUT_MS: z.optional(integer(100, 600_000)),
  APP_VERSION: z.optional(label),
  AWS_REGION: z.optional(label),
  ENGINE: z.optional(label),
  COLOUR: z.optional(label),
  INSTANCE: z.optional(label),
  DATABASE_URL: z.optional(
    z
      .string()
      .check(z.regex(/^postgres(ql)?:\/\/\S+$/, { error: 'expected a postgres:// or postgresql:// URL' })),
  ),
  DB_SECRET_PARAMETER: z.optional(
    z
      .string()
      .check(z.regex(/^[\w.\-/]{1,2048}$/, { error: 'expected an SSM parameter name such as /app/db' })),
  ),
  DB_HOST_PARAMETER: z.optional(
    z
      .string()
      .check(z.regex(/^[\w.\-/]{1,2048}$/, { error: 'expected an SSM parameter name such as /app/db/host' })),
  ),
  PGLITE_PATH: z.optional(z.string()),
  DRAIN_PARAMETER: z.optional(
    z
      .string()
      .check(
        z.regex(/^[\w.\-/]{1,2048}$/, { error: 'expected an SSM parameter name such as /app/traffic/drain' }),
      ),
  ),
});

/**
 * Reads and validates the environment. Every problem is reported at once, naming the variable and
 * what it expects, so a misconfigured deployment fails at start instead of on the first request.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, defaults: ModeDefaults = {}): Settings {
  // An empty variable means the same as an unset one: "use the default".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name] ?? '';
      const shown = name === 'DATABASE_URL' ? withoutPassword(value) : value;
      return `${name}=${JSON.stringify(shown)}: ${issue.message}`;
    });
    throw new SettingsError(`invalid environment: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  return {
    port: vars.PORT ?? 8080,
    workers: vars.WORKERS ?? availableParallelism(),
    failureRate: vars.FAILURE_RATE ?? 0,
    failureSeed: vars.FAILURE_SEED,
    faultMode: vars.FAULT_MODE,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    servedBy: {
      version: vars.APP_VERSION ?? 'dev',
      region: vars.AWS_REGION ?? 'local',
      engine: vars.ENGINE ?? defaults.engine ?? 'local',
      colour: vars.COLOUR ?? 'none',
      instance: vars.INSTANCE ?? hostname(),
    },
    database: chooseDatabase(
      vars.DATABASE_URL,
      vars.DB_SECRET_PARAMETER,
      vars.DB_HOST_PARAMETER,
      vars.PGLITE_PATH,
    ),
    drainParameter: vars.DRAIN_PARAMETER,
  };
}

/**
 * A connection URL as it may be shown in an error: the password (after `user:` or in a `password=`
 * parameter) replaced, the rest kept to find the mistake by. Works on text that is not a valid URL.
 */
export function withoutPassword(url: string): string {
  return url.replace(/(\/\/[^/?#@:\s]*:)[^\s]*@/, '$1***@').replace(/([?&]password=)[^&#\s]*/gi, '$1***');
}

function chooseDatabase(
  url: string | undefined,
  parameterName: string | undefined,
  hostParameterName: string | undefined,
  dataDir: string | undefined,
): DatabaseSettings {
  if (hostParameterName !== undefined && url !== undefined) {
    throw new SettingsError(
      'invalid environment: DB_HOST_PARAMETER overrides the host of DB_SECRET_PARAMETER and cannot be combined with DATABASE_URL',
    );
  }
  if (url !== undefined) return { kind: 'url', url };
  if (parameterName !== undefined) {
    return hostParameterName === undefined
      ? { kind: 'ssm-parameter', parameterName }
      : { kind: 'ssm-parameter', parameterName, hostParameterName };
  }
  if (hostParameterName !== undefined) {
    throw new SettingsError('invalid environment: DB_HOST_PARAMETER needs DB_SECRET_PARAMETER');
  }
  return { kind: 'embedded', dataDir };
}
