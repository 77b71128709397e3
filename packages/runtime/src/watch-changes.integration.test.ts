import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { watchChanges } from './watch-changes.js';

const temp = useTempDir();

describe('watchChanges', () => {
  it('hears only the entries it is told about, and nothing once closed', async () => {
    let wakes = 0;
    let any = 0;
    const wake = watchChanges(temp.path, () => (wakes += 1), { names: ['wake'], pollMs: false });
    const all = watchChanges(temp.path, () => (any += 1), { pollMs: false });
    writeFileSync(join(temp.path, 'changed'), '');
    // The unfiltered watcher hearing it means the filtered one had its chance.
    await waitFor(() => any > 0, { description: 'the other entry to be heard', timeoutMs: 5000 });
    expect(wakes).toBe(0);
    writeFileSync(join(temp.path, 'wake'), '');
    await waitFor(() => wakes > 0, { description: 'the wake entry to be heard', timeoutMs: 5000 });
    wake.close();
    const heard = wakes;
    const seen = any;
    writeFileSync(join(temp.path, 'wake'), 'again');
    await waitFor(() => any > seen, { description: 'the second wake to be heard by the open watcher', timeoutMs: 5000 });
    all.close();
    expect(wakes).toBe(heard);
  });

  it('waits for a directory to appear, then tells once it does and on each change inside', async () => {
    const directory = join(temp.path, 'later');
    let calls = 0;
    const watcher = watchChanges(
      directory,
      () => {
        calls += 1;
      },
      { pollMs: false },
    );
    expect(calls).toBe(0);
    mkdirSync(directory);
    await waitFor(() => calls > 0, { description: 'the directory to be seen', timeoutMs: 5000 });
    const seen = calls;
    writeFileSync(join(directory, 'segment'), 'output');
    await waitFor(() => calls > seen, { description: 'a write inside to be seen', timeoutMs: 5000 });
    watcher.close();
  });

  it('polls when no event comes, even for a directory that never appears', async () => {
    let calls = 0;
    const watcher = watchChanges(
      join(temp.path, 'missing', 'deeper'),
      () => {
        calls += 1;
      },
      { pollMs: 20 },
    );
    await waitFor(() => calls >= 3, { description: 'three polls', timeoutMs: 5000 });
    watcher.close();
  });
});
