import { statSync, writeFileSync } from 'node:fs';
import { createTempDir } from '@claudine/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { accessTokenPath, ensureAccessToken, isAuthorized, readAccessToken, rotateAccessToken, tokensEqual } from './access-token.js';
import { ensureDataDirectory } from './data-directory.js';

describe('the access token', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const layout = () => {
    const dir = createTempDir('claudine-token-');
    cleanups.push(dir.remove);
    return ensureDataDirectory(dir.path);
  };

  it('is created on first use, URL-safe and at least 32 random bytes, in a 0600 file, and stays the same', () => {
    const data = layout();
    expect(readAccessToken(data)).toBeUndefined();
    const token = ensureAccessToken(data);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(statSync(accessTokenPath(data)).mode & 0o777).toBe(0o600);
    expect(ensureAccessToken(data)).toBe(token);
    expect(readAccessToken(data)).toBe(token);
  });

  it('is replaced by a rotation, which the next reader sees', () => {
    const data = layout();
    const first = ensureAccessToken(data);
    const second = rotateAccessToken(data);
    expect(second).not.toBe(first);
    expect(ensureAccessToken(data)).toBe(second);
    expect(statSync(accessTokenPath(data)).mode & 0o777).toBe(0o600);
  });

  it('tightens a token file that lost its mode', () => {
    const data = layout();
    writeFileSync(accessTokenPath(data), `${'a'.repeat(43)}\n`, { mode: 0o644 });
    expect(readAccessToken(data)).toBe('a'.repeat(43));
    expect(statSync(accessTokenPath(data)).mode & 0o777).toBe(0o600);
  });

  it('accepts only the exact bearer token', () => {
    const token = 'x'.repeat(43);
    expect(isAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(isAuthorized(undefined, token)).toBe(false);
    expect(isAuthorized(token, token)).toBe(false);
    expect(isAuthorized(`Bearer ${token}y`, token)).toBe(false);
    expect(isAuthorized(`Bearer ${'y'.repeat(43)}`, token)).toBe(false);
    expect(isAuthorized('Bearer ', token)).toBe(false);
    expect(tokensEqual(token, token)).toBe(true);
    expect(tokensEqual('', token)).toBe(false);
  });
});
