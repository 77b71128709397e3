import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TaskSchema } from '@claudine/core';
import { spawnWatched } from '@claudine/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type CliRun, cliEnvironment, cliPath, runCli } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();
const { cli } = session;
const TaskPageSchema = z.object({ tasks: z.array(TaskSchema), nextCursor: z.number().nullable() });

beforeEach(() => {
  // Readable by the unprivileged user some tests run the CLI as.
  chmodSync(session.root, 0o755);
});

/** Submits `count` quick tasks and waits until they are done; returns their ids. */
async function finishedTasks(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const run = await cli(['run', '--agent', 'command', '--wait', '--json', `echo task ${index}`]);
    expect(run.code).toBe(0);
    ids.push(TaskSchema.parse(JSON.parse(run.stdout)).id);
  }
  return ids;
}

/** Runs the CLI through `sh` with extra shell setup (limits, privileges). */
async function runCliVia(prefix: string[], args: string[], input = ''): Promise<CliRun> {
  const run = spawnWatched(prefix[0] as string, [...prefix.slice(1), process.execPath, cliPath, ...args], {
    env: session.env as NodeJS.ProcessEnv,
    cwd: session.workdir,
  });
  run.child.stdin.end(input);
  const { code, stdout, stderr } = await run.exited;
  return { code, stdout, stderr };
}

describe('claudine db', () => {
  it('checks a sound database', async () => {
    await finishedTasks(1);
    const check = await cli(['db', 'check', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [], tasks: 1, schemaVersion: expect.any(Number) });
    const text = await cli(['db', 'check']);
    expect(text.stdout).toContain(': ok');
  });

  it('backs up the live database to a private file that holds the same tasks, and never overwrites', async () => {
    const ids = await finishedTasks(2);
    const target = join(session.root, 'backup.db');
    const backup = await cli(['db', 'backup', target, '--json']);
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout)).toMatchObject({ path: target, bytes: expect.any(Number) });
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const restored = await runCli(['ls', '--json'], { env: cliEnvironment(join(session.root, 'restored')), cwd: session.workdir });
    expect(restored.code).toBe(0);
    // Use the backup as the database of a fresh data directory.
    mkdirSync(join(session.root, 'from-backup'), { mode: 0o700 });
    const copy = readFileSync(target);
    const fd = openSync(join(session.root, 'from-backup', 'claudine.db'), 'w', 0o600);
    writeSync(fd, copy);
    closeSync(fd);
    const fromBackup = await runCli(['ls', '--json'], { env: cliEnvironment(join(session.root, 'from-backup')), cwd: session.workdir });
    expect(
      TaskPageSchema.parse(JSON.parse(fromBackup.stdout))
        .tasks.map((task) => task.id)
        .sort(),
    ).toEqual([...ids].sort());
    const again = await cli(['db', 'backup', target]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('already exists');
  });

  it('prunes finished tasks with their output', async () => {
    const ids = await finishedTasks(2);
    for (const id of ids) expect(existsSync(join(session.home, 'logs', id))).toBe(true);
    const kept = await cli(['db', 'prune', '--older-than', '1h', '--json']);
    expect(JSON.parse(kept.stdout)).toEqual({ pruned: 0 });
    const pruned = await cli(['db', 'prune', '--older-than', '0s', '--json']);
    expect(JSON.parse(pruned.stdout)).toEqual({ pruned: 2 });
    for (const id of ids) expect(existsSync(join(session.home, 'logs', id))).toBe(false);
    expect(TaskPageSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout)).tasks).toEqual([]);
    expect((await cli(['db', 'prune', '--older-than', 'soon'])).code).toBe(2);
  });
});

describe('storage faults', () => {
  it('names a database whose header is damaged and says what to do', async () => {
    await finishedTasks(1);
    await cli(['host', 'stop']);
    const fd = openSync(join(session.home, 'claudine.db'), 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);
    const status = await cli(['ls']);
    expect(status.code).toBe(5);
    expect(status.stderr).toContain(join(session.home, 'claudine.db'));
    expect(status.stderr).toMatch(/not a valid Claudine database.*backup/s);
  });

  it('finds damage inside the database with db check', async () => {
    await finishedTasks(3);
    await cli(['host', 'stop']);
    const size = statSync(join(session.home, 'claudine.db')).size;
    expect(size).toBeGreaterThan(8192);
    const fd = openSync(join(session.home, 'claudine.db'), 'r+');
    // Overwrite the second page (the first table's b-tree) with junk.
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096);
    closeSync(fd);
    const check = await cli(['db', 'check']);
    expect(check.code).toBe(5);
    expect(check.stdout + check.stderr).toMatch(/problem|not a valid Claudine database/);
  });

  it('reports what SQLite finds in a database damaged in the middle, instead of failing to check it', async () => {
    // Large prompts make a database of a few hundred pages.
    for (let index = 0; index < 8; index += 1) {
      const run = await cli(['run', '--agent', 'command', '--wait', '-'], { input: `: ${'x'.repeat(100_000)} ${index}` });
      expect(run.code).toBe(0);
    }
    await cli(['host', 'stop']);
    const database = join(session.home, 'claudine.db');
    const pages = Math.floor(statSync(database).size / 4096);
    expect(pages).toBeGreaterThan(100);
    const fd = openSync(database, 'r+');
    writeSync(fd, Buffer.alloc(10 * 4096, 0x5a), 0, 10 * 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const check = await cli(['db', 'check', '--json']);
    expect(check.stderr).not.toContain('Could not check');
    expect(check.code).toBe(5);
    const report = JSON.parse(check.stdout) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/tasks|page|Tree/);
    const text = await cli(['db', 'check']);
    expect(text.code).toBe(5);
    expect(text.stdout).toMatch(/problem\(s\)[\s\S]*Restore a backup/);
  });

  it('reports a data directory it may not write, naming it, without touching its tasks', async () => {
    const ids = await finishedTasks(1);
    await cli(['host', 'stop']);
    // Root ignores permissions: drop to nobody for the read-only case; others use chmod.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(session.home, 0o500);
    const run = asRoot
      ? await runCliVia(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], ['run', '--agent', 'command', 'true'])
      : await cli(['run', '--agent', 'command', 'true']);
    if (!asRoot) chmodSync(session.home, 0o700);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(session.home);
    expect(run.stderr).toMatch(/CLAUDINE_HOME|permissions/);
    const status = TaskPageSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout));
    expect(status.tasks.map((task) => task.id)).toEqual(ids);
  });

  it('reports a full disk during a write and keeps every committed task', async () => {
    const ids = await finishedTasks(2);
    await cli(['host', 'stop']);
    const used =
      statSync(join(session.home, 'claudine.db')).size +
      (existsSync(join(session.home, 'claudine.db-wal')) ? statSync(join(session.home, 'claudine.db-wal')).size : 0);
    // RLIMIT_FSIZE makes writes past the limit fail as they do on a full disk (SIGXFSZ ignored).
    const blocks = Math.ceil((used + 64 * 1024) / 512);
    const big = `echo ${'x'.repeat(900 * 1024)}`;
    const run = await runCliVia(
      ['sh', '-c', `trap '' XFSZ; ulimit -f ${blocks}; exec "$@"`, 'sh'],
      ['run', '--agent', 'command', '-'],
      big,
    );
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(join(session.home, 'claudine.db'));
    expect(run.stderr).toMatch(/disk is full or failing.*Committed tasks are safe/s);
    const status = TaskPageSchema.parse(JSON.parse((await cli(['ls', '--json'])).stdout));
    expect(status.tasks.map((task) => task.id).sort()).toEqual([...ids].sort());
    expect(JSON.parse((await cli(['db', 'check', '--json'])).stdout)).toMatchObject({ ok: true });
  });
});
