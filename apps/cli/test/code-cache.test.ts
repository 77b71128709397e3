import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEnvironment, runCli } from './cli.test-helper.js';

// Node 22.1 and later cache compiled code themselves; before that, the CLI keeps V8's code cache.
const nodeCachesItself = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('the compiled code cache of the bundled CLI', () => {
  let temp: TempDir;
  beforeEach(() => {
    temp = createTempDir();
  });
  afterEach(() => temp.remove());

  const cacheDirectory = (): string => join(temp.path, 'cache', 'claudine', 'code-cache');
  const cacheFiles = (): string[] => (existsSync(cacheDirectory()) ? readdirSync(cacheDirectory()) : []);
  const ls = (extra: Record<string, string> = {}) =>
    runCli(['ls', '--json'], { env: cliEnvironment(join(temp.path, 'home'), { XDG_CACHE_HOME: join(temp.path, 'cache'), ...extra }) });

  it('is written by the first run, used by the next, and replaced when it is damaged', async () => {
    const first = await ls();
    expect(first.code).toBe(0);
    if (nodeCachesItself) {
      expect(cacheFiles()).toEqual([]);
      return;
    }
    const [file] = cacheFiles();
    expect(file).toMatch(/^ls\.command\.cjs-.*\.v8$/);
    const path = join(cacheDirectory(), file as string);
    const written = statSync(path).size;
    expect(written).toBeGreaterThan(10_000);

    const second = await ls();
    expect(second).toMatchObject({ code: 0, stdout: first.stdout });

    writeFileSync(path, 'not a code cache');
    const third = await ls();
    expect(third).toMatchObject({ code: 0, stdout: first.stdout });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });

  it('is neither read nor written with NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const run = await ls({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(run.code).toBe(0);
    expect(cacheFiles()).toEqual([]);
  });
});
