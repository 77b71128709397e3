// The bundled bin (bundle/bin.cjs): it loads the bundle of the command the arguments name, built
// beside it by scripts/bundle.mjs, or the bundle with every command (help, no command, a typo).
// It imports little else, so choosing costs next to nothing. The bundles are CommonJS, which
// Node loads without starting its ES module loader.
import Module from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';
import { commandModuleOf } from './command-table.js';

const module = commandModuleOf(process.argv.slice(2));
const file = fileURLToPath(new URL(module === undefined ? './all-commands.cjs' : `./${module}.command.cjs`, import.meta.url));
// Node 22.1 and later cache compiled code themselves (the launcher turned that on).
if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') Module.createRequire(file)(file);
else requireWithCodeCache(file);
