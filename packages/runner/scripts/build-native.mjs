#!/usr/bin/env node
// Builds the runner's native spawn module (native/spawn.c -> build/claudine-spawn.node) with the
// system's C compiler against the running Node's headers. Run at install and by the repository's
// build. It never fails: without Linux, a compiler or Node's headers, it says what is missing and
// the spawn broker starts agents with child_process instead (slower, otherwise the same).
// CLAUDINE_REQUIRE_NATIVE=1 makes a missing module an error (for CI and packagers).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'spawn.c');
const target = join(root, 'build', 'claudine-spawn.node');
const required = process.env.CLAUDINE_REQUIRE_NATIVE === '1';

function skip(reason) {
  const message = `@claudine/runner: native spawn module not built (${reason}); agents will be started with child_process.`;
  if (required) {
    console.error(`${message}\nCLAUDINE_REQUIRE_NATIVE=1 asks for it: install a C compiler (e.g. apt-get install gcc) and Node's headers.`);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (process.platform !== 'linux') skip('it is used on Linux only');
if (!existsSync(source)) skip(`${source} is missing`);
// Up to date: N-API modules do not depend on the Node version.
if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && process.env.CLAUDINE_REBUILD_NATIVE !== '1') {
  process.exit(0);
}

// Node's headers (node_api.h, uv.h): where npm/node-gyp were told they are, else next to node.
const includes = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const include = includes.find((directory) => existsSync(join(directory, 'node_api.h')) && existsSync(join(directory, 'uv.h')));
if (include === undefined) skip(`Node's headers (node_api.h, uv.h) were not found in ${includes.join(', ')}`);

const compiler = process.env.CC || 'cc';
mkdirSync(dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
const result = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', `-I${include}`, '-o', partial, source], {
  encoding: 'utf8',
});
if (result.error !== undefined || result.status !== 0) {
  rmSync(partial, { force: true });
  const why = result.error?.code === 'ENOENT' ? `no C compiler: ${compiler} was not found` : `${compiler} failed:\n${result.stderr}`;
  skip(why);
}
renameSync(partial, target);
