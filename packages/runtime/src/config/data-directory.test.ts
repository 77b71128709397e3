import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDataDirectory, resolveDataDirectory } from './data-directory.js';

let temp: TempDir;

beforeEach(() => {
  temp = createTempDir();
});

afterEach(() => temp.remove());

describe('data directory', () => {
  it('is $CLAUDINE_HOME, else the XDG data directory', () => {
    expect(resolveDataDirectory({ CLAUDINE_HOME: '/srv/claudine' })).toBe('/srv/claudine');
    if (process.platform === 'linux') {
      expect(resolveDataDirectory({ XDG_DATA_HOME: '/data' })).toBe('/data/claudine');
      expect(resolveDataDirectory({})).toMatch(/\.local\/share\/claudine$/);
    }
  });

  it('is created private (0700), and tightened when it exists with looser permissions', () => {
    const root = join(temp.path, 'home');
    const layout = ensureDataDirectory(root);
    for (const directory of [layout.root, layout.logs, layout.signals]) expect(statSync(directory).mode & 0o777).toBe(0o700);
    const loose = join(temp.path, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    ensureDataDirectory(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });

  it('says what to do when it cannot be created', () => {
    // A file where a directory should be stops even root.
    const blocker = join(temp.path, 'file');
    writeFileSync(blocker, '');
    expect(() => ensureDataDirectory(join(blocker, 'home'))).toThrow(
      expect.objectContaining({ code: 'storage_readonly', message: expect.stringMatching(/file\/home.*CLAUDINE_HOME/) }),
    );
  });
});
