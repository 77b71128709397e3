import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDir, MCP_INITIALIZE, type TempDir } from '@claudine/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../', import.meta.url));

// Every package the CLI installs, directly or through another: what `pnpm pack` publishes.
const PUBLISHED = [
  'packages/core',
  'packages/store-sqlite',
  'packages/runner',
  'packages/metrics',
  'packages/workspace',
  'packages/runtime',
  'apps/mcp',
  'apps/web',
  'apps/cli',
];

const INITIALIZE = `${JSON.stringify(MCP_INITIALIZE)}\n`;

// Packing, then installing with npm (which fetches the third-party dependencies from the registry
// unless its cache has them, and builds better-sqlite3 where no prebuilt binary fits), takes minutes.
const INSTALL_TIMEOUT_MS = 15 * 60_000;

describe('the published packages, installed with plain npm', () => {
  let scratch: TempDir;
  let tarballs: string[];

  beforeAll(async () => {
    scratch = createTempDir('claudine-published-');
    const packed = join(scratch.path, 'tarballs');
    mkdirSync(packed);
    for (const pkg of PUBLISHED) {
      await run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', packed], { cwd: join(repository, pkg) });
    }
    tarballs = readdirSync(packed).map((file) => join(packed, file));
  }, INSTALL_TIMEOUT_MS);

  afterAll(() => scratch?.remove());

  // An empty directory (no workspace, no pnpm) where npm installs the given tarballs.
  async function install(name: string, files: readonly string[]): Promise<string> {
    const directory = join(scratch.path, name);
    mkdirSync(directory);
    writeFileSync(join(directory, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true, type: 'module' })}\n`);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files], { cwd: directory, timeout: INSTALL_TIMEOUT_MS });
    return directory;
  }

  it(
    'runs `claudine run --wait` and answers MCP initialize from the installed CLI',
    async () => {
      expect(tarballs).toHaveLength(PUBLISHED.length);
      const directory = await install('cli-user', tarballs);
      const claudine = join(directory, 'node_modules', '.bin', 'claudine');
      const home = join(scratch.path, 'home-cli');
      const env = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_HOST_IDLE_EXIT: '2s', NO_COLOR: '1' };

      const ran = await run(claudine, ['run', '--agent', 'command', '--wait', '--', 'echo installed-from-tarballs'], {
        cwd: directory,
        env,
        timeout: 60_000,
      });
      expect(ran.stdout).toContain('installed-from-tarballs');

      const listed = await run(claudine, ['ls', '--json'], { cwd: directory, env, timeout: 30_000 });
      expect((JSON.parse(listed.stdout) as { tasks: { status: string }[] }).tasks.map((task) => task.status)).toEqual(['completed']);

      const mcp = await new Promise<string>((resolve, reject) => {
        const child = execFile(claudine, ['mcp'], { cwd: directory, env, timeout: 30_000 }, (error, stdout) => {
          if (error !== null && error.signal !== null) reject(error);
          else resolve(stdout);
        });
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('"id":1')) child.stdin?.end();
        });
        child.stdin?.write(INITIALIZE);
      });
      const answer = JSON.parse(mcp.split('\n').find((line) => line.includes('"id":1')) ?? '{}') as {
        result?: { serverInfo?: { name?: string } };
      };
      expect(answer.result?.serverInfo?.name).toBe('claudine');

      await run(claudine, ['host', 'stop'], { cwd: directory, env, timeout: 30_000 });
    },
    INSTALL_TIMEOUT_MS,
  );

  it(
    'lets a project that imports @claudine/runtime submit a task and wait for it',
    async () => {
      const runtimeAndItsDependencies = tarballs.filter((file) => !/claudine-(mcp|web)-|^claudine-\d/.test(file.split('/').at(-1) ?? ''));
      const directory = await install('library-user', runtimeAndItsDependencies);
      const home = join(scratch.path, 'home-library');
      writeFileSync(
        join(directory, 'submit.js'),
        `import { openClaudine } from '@claudine/runtime';
const claudine = openClaudine({ home: process.env.HOME_DIR });
const { task } = await claudine.submit({ prompt: 'echo from-the-library', agent: 'command', cwd: process.cwd() });
const done = await claudine.waitForTask(task.id);
console.log(JSON.stringify({ status: done.status }));
claudine.close();
`,
      );
      const submitted = await run(process.execPath, ['submit.js'], {
        cwd: directory,
        env: { ...process.env, HOME_DIR: home, CLAUDINE_HOST_IDLE_EXIT: '2s' },
        timeout: 60_000,
      });
      expect(JSON.parse(submitted.stdout)).toEqual({ status: 'completed' });
    },
    INSTALL_TIMEOUT_MS,
  );
});
