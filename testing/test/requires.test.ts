import { describe, expect, it } from 'vitest';
import { inCi } from '../requires.ts';

describe('inCi', () => {
  it.each([
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'false' }, false],
    [{ CI: '0' }, false],
    [{ CI: '' }, false],
    [{}, false],
  ])('reads CI=%j as %s', (env, expected) => {
    expect(inCi(env as NodeJS.ProcessEnv)).toBe(expected);
  });
});
