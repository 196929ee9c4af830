import { describe, expect, it } from 'vitest';
import { checkCheckout, type Runner } from '../../recover/deploy.ts';

const HEAD = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const release = { version: '1.4.0', commit: HEAD };
const answering =
  (code: number, output: string): Runner =>
  async (line) => {
    expect([line.command, ...line.args]).toEqual(['git', 'rev-parse', 'HEAD']);
    return { code, output };
  };

describe("the checkout against the release's commit", () => {
  it('DR-3: a checkout at the released commit passes, whether release.json names it in full or abbreviated', async () => {
    expect(await checkCheckout(answering(0, `${HEAD}\n`), release)).toEqual({
      ok: true,
      line: `the checkout is at the released commit ${HEAD} (version 1.4.0)`,
    });
    expect((await checkCheckout(answering(0, `${HEAD}\n`), { ...release, commit: '0a1b2c3' })).ok).toBe(true);
  });

  it('DR-3: no git checkout, or no git at all, is not the released commit: refused like another commit, saying why', async () => {
    const notRepo = await checkCheckout(answering(128, 'fatal: not a git repository\n'), release);
    expect(notRepo.ok).toBe(false);
    expect(notRepo.line).toMatch(
      /^git rev-parse HEAD failed \(exit 128\): this may not be a git checkout, not at the released commit/,
    );
    const noGit = await checkCheckout(async () => {
      throw Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' });
    }, release);
    expect(noGit.ok).toBe(false);
    expect(noGit.line).toContain('git rev-parse HEAD failed (spawn git ENOENT)');
  });
});
