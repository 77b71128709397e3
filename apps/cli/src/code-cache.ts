import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';

/**
 * Runs a CommonJS bundle as `require` would, keeping V8's compiled code for it in the user's
 * cache directory (`$XDG_CACHE_HOME/claudine/code-cache`, else `~/.cache/...`), so that later
 * runs skip compiling it. For Node versions without `module.enableCompileCache` (before 22.1),
 * which does the same for every module. `NODE_DISABLE_COMPILE_CACHE=1` turns both off.
 *
 * Invariant: a cache is used only if V8 accepts it for this very source and V8 version (it
 * checks both and rejects anything else); a missing, stale or unwritable cache only costs the
 * compile it would have saved.
 */
export function requireWithCodeCache(file: string): void {
  const source = readFileSync(file, 'utf8');
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
    process.once('exit', () => writeCache(cacheFile, script));
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

function writeCache(cacheFile: string, script: Script): void {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    // Whole or not at all: another run may be reading it.
    const partial = `${cacheFile}.${process.pid}`;
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cacheFile);
  } catch {
    // A cache that cannot be written is only a slower next start.
  }
}
