import { describe, expect, it } from 'vitest';
import { checkGit, isSupportedGitVersion, parseGitVersion } from './git-version.js';

describe('git version', () => {
  it.each([
    ['git version 2.39.5', { major: 2, minor: 39, patch: 5 }, true],
    ['git version 2.38.0', { major: 2, minor: 38, patch: 0 }, true],
    ['git version 2.37.7', { major: 2, minor: 37, patch: 7 }, false],
    ['git version 2.39.3 (Apple Git-146)', { major: 2, minor: 39, patch: 3 }, true],
    ['git version 2.45.1.windows.1', { major: 2, minor: 45, patch: 1 }, true],
    ['git version 3.0', { major: 3, minor: 0, patch: 0 }, true],
    ['git version 1.9.9', { major: 1, minor: 9, patch: 9 }, false],
  ])('reads %s', (text, expected, supported) => {
    const version = parseGitVersion(text);
    expect(version).toMatchObject(expected);
    expect(version !== null && isSupportedGitVersion(version)).toBe(supported);
  });

  it('finds the installed git supported, and says what to do when git is missing', async () => {
    const installed = await checkGit();
    expect(installed.ok).toBe(true);
    const missing = await checkGit({ git: '/nonexistent/git' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'git_missing' } });
    if (!missing.ok) expect(missing.error.message).toContain('install git 2.38 or newer');
  });
});
