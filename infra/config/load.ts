import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DEFAULT_CONFIG } from './defaults.ts';
import { type EstateConfig, estateConfigSchema } from './schema.ts';

/** The one file a user edits; git-ignored, with estate.config.example.json committed beside it. */
export const CONFIG_FILE = 'estate.config.json';

/** Where the estate's configuration comes from. */
export interface LoadConfigOptions {
  /** Directory searched for estate.config.json. @default process.cwd() */
  readonly cwd?: string;
  /** Profile chosen on the command line; beats ESTATE_PROFILE and the file. @default - not set */
  readonly profile?: string;
  /** Environment read for ESTATE_CONFIG (file path) and ESTATE_PROFILE. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A configuration that does not validate: one line per problem, each naming its key. */
export class ConfigError extends Error {
  /** `key: what was expected` lines. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * The configuration of this run: defaults, then the JSON file (ESTATE_CONFIG or ./estate.config.json,
 * if present), then the profile from ESTATE_PROFILE, then the profile given by the caller.
 * This is the only module that reads process.env.
 */
export function loadConfig(options: LoadConfigOptions = {}): EstateConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.ESTATE_CONFIG;
  const file = resolve(cwd, explicit ?? CONFIG_FILE);
  let overrides: Record<string, unknown> = {};
  let source = 'defaults';
  if (explicit !== undefined || existsSync(file)) {
    source = explicit ?? CONFIG_FILE;
    overrides = readJsonObject(file, source);
  }
  const profile = options.profile ?? env.ESTATE_PROFILE;
  if (profile !== undefined) {
    source = `${source} with profile ${profile}`;
    overrides = { ...overrides, profile };
  }
  return parseConfig(overrides, source);
}

/** Validates `overrides` laid over the defaults; throws ConfigError naming every bad key. */
export function parseConfig(overrides: unknown, source = CONFIG_FILE): EstateConfig {
  if (!isPlainObject(overrides)) {
    throw new ConfigError(source, ['(root): expected a JSON object']);
  }
  const result = estateConfigSchema.safeParse(merge(DEFAULT_CONFIG, overrides));
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map(describeIssue));
}

function readJsonObject(file: string, source: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ConfigError(source, [`(file): not found at ${file}`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(source, [`(file): not valid JSON (${(error as Error).message})`]);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(source, ['(root): expected a JSON object']);
  return parsed;
}

// A union whose variants have different keys is replaced whole, or the default's keys would leak in.
const REPLACED_WHOLE = new Set(['source']);

function merge(base: unknown, override: unknown, key = ''): unknown {
  if (!isPlainObject(base) || !isPlainObject(override) || REPLACED_WHOLE.has(key)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) merged[k] = merge(base[k], v, k);
  return merged;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(valueAt(DEFAULT_CONFIG, issue.path) ?? {});
    const where = path === '' ? '' : `${path}.`;
    const expected = known.length > 0 ? ` (expected one of ${known.join(', ')})` : '';
    return issue.keys.map((k) => `${where}${k}: unknown key${expected}`).join('; ');
  }
  return `${path === '' ? '(root)' : path}: ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): object | undefined {
  let node: unknown = root;
  for (const p of path) node = isPlainObject(node) ? node[p as string] : undefined;
  return isPlainObject(node) ? node : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
