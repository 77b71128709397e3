// The bundled bin (bundle/bin.js): it loads the bundle of the command the arguments name, built
// beside it by scripts/bundle.mjs, or the bundle with every command (help, no command, a typo).
// It imports nothing else, so choosing costs next to nothing.
import { commandModuleOf } from './command-table.js';

const module = commandModuleOf(process.argv.slice(2));
const file = module === undefined ? './all-commands.js' : `./${module}.command.js`;
// A URL rather than the path itself: the bundler leaves it for Node to resolve at run time.
await import(new URL(file, import.meta.url).href);
