import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';

/**
 * Runs an app's CommonJS bundle (a bin's code, from its `bundle/`) with its compiled code
 * cached, so that later starts skip compiling it. Node 22.1 and later cache it themselves once
 * `module.enableCompileCache()` has run (the bins' launchers call it): there the bundle is only
 * required. Before 22.1, V8's code cache for it is kept in the user's cache directory
 * (`$XDG_CACHE_HOME/claudine/code-cache`, else `~/.cache/...`). `NODE_DISABLE_COMPILE_CACHE=1`
 * turns both off.
 *
 * Invariant: a cache is used only if V8 accepts it for this very source and V8 version (it
 * checks both and rejects anything else); a missing, stale or unwritable cache only costs the
 * compile it would have saved.
 */
export function requireBundle(file: string): void {
  if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
    createRequire(file)(file);
    return;
  }
  // A bin's entry may start with a shebang line, which is no JavaScript inside a function.
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const cacheFile = process.env.NODE_DISABLE_COMPILE_CACHE === '1' ? undefined : codeCacheFile(file);
  let cached: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cached = readFileSync(cacheFile);
    } catch {
      // None yet.
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cached === undefined ? {} : { cachedData: cached }),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile !== undefined && (cached === undefined || script.cachedDataRejected === true)) {
    // Written at exit: by then the functions that ran are compiled, and the cache holds them too.
    process.once('exit', () => writeCache(cacheFile, `${basename(file)}-`, script));
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(file), module, file, dirname(file));
}

// One file per bundle, Node version and build of the bundle (its size and time).
function codeCacheFile(file: string): string | undefined {
  try {
    const { size, mtimeMs } = statSync(file);
    const root = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    return join(root, 'claudine', 'code-cache', `${basename(file)}-${size}-${Math.round(mtimeMs)}-${process.version}-${process.arch}.v8`);
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, bundlePrefix: string, script: Script): void {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    // Whole or not at all: another run may be reading it.
    const partial = `${cacheFile}.${process.pid}`;
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cacheFile);
    // The caches of the bundle's earlier builds (an upgrade, a rebuild) are of no more use.
    for (const other of readdirSync(dirname(cacheFile))) {
      if (other.startsWith(bundlePrefix) && other !== basename(cacheFile) && other.endsWith('.v8'))
        unlinkSync(join(dirname(cacheFile), other));
    }
  } catch {
    // A cache that cannot be written is only a slower next start.
  }
}
