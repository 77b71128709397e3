// The bundled bin (bundle/bin.cjs): it loads the bundle of the command the arguments name, built
// beside it by scripts/bundle.mjs, or the bundle with every command (help, no command, a typo).
// It imports nothing else, so choosing costs next to nothing. The bundles are CommonJS, which
// Node loads without starting its ES module loader; require() of a computed path keeps the
// bundler from trying to resolve it at build time.
import { createRequire } from 'node:module';
import { commandModuleOf } from './command-table.js';

const module = commandModuleOf(process.argv.slice(2));
createRequire(import.meta.url)(module === undefined ? './all-commands.cjs' : `./${module}.command.cjs`);
