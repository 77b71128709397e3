// The bundled bin (bundle/bin.cjs): it loads the bundle of the command the arguments name, built
// beside it by scripts/bundle.mjs, or the bundle with every command (help, no command, a typo).
// It imports little else, so choosing costs next to nothing. The bundles are CommonJS, which
// Node loads without starting its ES module loader, with their compiled code cached.
import { fileURLToPath } from 'node:url';
import { requireBundle } from '@claudine/runtime';
import { commandModuleOf } from './command-table.js';

const module = commandModuleOf(process.argv.slice(2));
requireBundle(fileURLToPath(new URL(module === undefined ? './all-commands.cjs' : `./${module}.command.cjs`, import.meta.url)));
