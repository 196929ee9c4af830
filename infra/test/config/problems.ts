import { ConfigError, parseConfig } from '../../config/index.ts';

/** What parseConfig reports wrong with these overrides; empty when it accepts them. */
export function problems(overrides: unknown): readonly string[] {
  try {
    parseConfig(overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
