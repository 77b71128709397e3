// @ts-check
// Bundles the CLI from tsc's output (`pnpm --filter claudine bundle`, run by the root `pnpm
// build`): bundle/bin.js picks the bundle of the command it is asked for, command-<name>.js
// holds that command alone (with only the code it uses), all-commands.js every command (help,
// completion scripts, typos), host-main.js the host that clients start.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntries } from '@claudine/bundle';
import { COMMAND_TABLE } from '../dist/command-table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const metafile = process.argv.find((argument) => argument.startsWith('--metafile='))?.slice('--metafile='.length);

const commands = COMMAND_TABLE.filter((command) => command.needsEveryCommand !== true).map(({ module }) => {
  const source = readFileSync(join(root, 'dist', 'commands', `${module}.js`), 'utf8');
  const register = /export function (register\w+)\(/.exec(source)?.[1];
  if (register === undefined) throw new Error(`dist/commands/${module}.js exports no register function`);
  return {
    name: `${module}.command`,
    contents: `import { ${register} } from './dist/commands/${module}.js';\nimport { runOneCommand } from './dist/run-one-command.js';\nvoid runOneCommand(${register});\n`,
    format: /** @type {const} */ ('cjs'),
  };
});
await bundleEntries(
  root,
  [
    { name: 'bin', file: 'dist/bundle-dispatch.js', format: 'cjs' },
    {
      name: 'all-commands',
      contents:
        "import { createProgram } from './dist/program.js';\nimport { cliVersion, runProgram } from './dist/run-program.js';\nvoid createProgram(cliVersion(), process.argv).then(runProgram);\n",
      format: 'cjs',
    },
    ...commands,
    { name: 'host-main', file: '../../packages/runtime/dist/host/host-main.js' },
  ],
  metafile === undefined ? {} : { metafile },
);
