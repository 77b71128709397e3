// @ts-check
// Bundles a package's bins from tsc's output (dist/) into bundle/, so a command loads one file
// instead of hundreds of modules one at a time. Type checking stays tsc's: esbuild only joins
// the JavaScript tsc wrote. Each entry is a bundle of its own, with no chunks shared between
// them: shared chunks would pull in whatever any entry needs from a barrel such as
// @claudine/runtime's index, where a bundle of its own keeps only what its entry uses.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

// Native addons cannot be bundled: they load from the installed packages, which must therefore
// be dependencies of every package whose bundle uses them. better-sqlite3's JavaScript is
// bundled all the same: store-sqlite names its addon (open-database.ts), so only the addon
// loads from the installed package.
const EXTERNAL = ['zstd-napi'];

// Node modules a CommonJS bundle loads on first use rather than at its start. Bundled ES
// modules import them at their top, so a command would load them whether it uses them or not
// (`ls` never spawns or hashes); each costs its compile at every start. The bundle reads their
// exports at each use (`(0, import_x.spawn)(...)`), so a stand-in that loads the module on the
// first read behaves the same.
const LAZY_MODULES = [
  'child_process',
  'crypto',
  'fs/promises',
  'readline',
  'timers/promises',
  'worker_threads',
  'zlib',
  'http',
  'https',
  'net',
  'os',
];
const LAZY_REQUIRE =
  'var __claudineLazy=(id)=>{let m;const load=()=>m??=require(id);return new Proxy({},{get:(_,k)=>load()[k],has:(_,k)=>k in load(),ownKeys:()=>Reflect.ownKeys(load()),getOwnPropertyDescriptor:(_,k)=>{const d=Reflect.getOwnPropertyDescriptor(load(),k);return d&&{...d,configurable:true}},getPrototypeOf:()=>Reflect.getPrototypeOf(load())})};';

/** @param {string} code a CommonJS bundle */
function requireLazily(code) {
  let out = code;
  for (const name of LAZY_MODULES) out = out.replaceAll(`require("node:${name}")`, `__claudineLazy("node:${name}")`);
  return out;
}

/**
 * @typedef {object} BundleEntry
 * @property {string} name the bundle's file name without `.js`
 * @property {string} [file] the module to bundle (a dist/ file)
 * @property {string} [contents] or the source of the entry module itself, resolved from the package directory
 * @property {readonly string[]} [external] imports left for Node to load at run time
 * @property {'esm' | 'cjs'} [format] `cjs` (written as `<name>.cjs`) starts faster: Node loads a
 *   CommonJS main module without setting up its ES module loader. The entry then must not use
 *   top-level await.
 */

/**
 * Writes one bundle per entry into `<packageDir>/bundle/` (emptied first). The directory sits
 * next to dist/, so paths the code builds from import.meta.url (`../package.json`,
 * `./host-main.js`) mean the same in a bundle as in dist/.
 * @param {string} packageDir
 * @param {readonly BundleEntry[]} entries
 * @param {{ metafile?: string }} [options] metafile: where to write esbuild's account of what each bundle holds
 */
export async function bundleEntries(packageDir, entries, options = {}) {
  const out = join(packageDir, 'bundle');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const metafiles = await Promise.all(
    entries.map(async (entry) => {
      const result = await build({
        absWorkingDir: packageDir,
        ...(entry.contents === undefined
          ? { entryPoints: [resolve(packageDir, entry.file ?? '')] }
          : { stdin: { contents: entry.contents, resolveDir: packageDir, sourcefile: `${entry.name}.js` } }),
        outfile: join(out, `${entry.name}.${entry.format === 'cjs' ? 'cjs' : 'js'}`),
        bundle: true,
        format: entry.format ?? 'esm',
        platform: 'node',
        target: 'node20.19',
        external: [...EXTERNAL, ...(entry.external ?? [])],
        // Less to parse at every start; names are kept so stack traces stay readable.
        minifyWhitespace: true,
        minifySyntax: true,
        legalComments: 'none',
        ...(entry.format === 'cjs'
          ? {
              // Paths the code builds from import.meta.url keep working from a CommonJS file.
              define: { 'import.meta.url': '__claudineModuleUrl' },
              banner: { js: `var __claudineModuleUrl=require('node:url').pathToFileURL(__filename).href;${LAZY_REQUIRE}` },
            }
          : // CommonJS dependencies (commander) call require() for Node's own modules.
            {
              banner: {
                js: "import{createRequire as __claudineRequire}from'node:module';const require=__claudineRequire(import.meta.url);",
              },
            }),
        logLevel: 'warning',
        metafile: options.metafile !== undefined,
        write: false,
      });
      for (const file of result.outputFiles) {
        // Executable when it starts with a shebang, as esbuild itself writes it.
        const mode = file.text.startsWith('#!') ? 0o755 : 0o644;
        writeFileSync(file.path, entry.format === 'cjs' ? requireLazily(file.text) : file.contents, { mode });
      }
      return result.metafile;
    }),
  );
  if (options.metafile !== undefined) {
    const merged = { inputs: {}, outputs: {} };
    for (const metafile of metafiles) {
      Object.assign(merged.inputs, metafile?.inputs);
      Object.assign(merged.outputs, metafile?.outputs);
    }
    writeFileSync(options.metafile, JSON.stringify(merged, null, 2));
  }
}
