import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskJson, TaskListJson } from '../src/json-shapes.js';
import { useCliSession } from './session.test-helper.js';

// What a first-time user trips on (issue 17, points 9 and 10): relative directories, durations
// without a unit, timeouts that contradict each other, the states tables show, the exit codes of
// signals, and errors that blame the right thing.

const session = useCliSession();
const { cli } = session;

const json = <T>(schema: { parse(value: unknown): T }, text: string): T => schema.parse(JSON.parse(text));

describe('a first-time user', () => {
  it('runs a task in a directory given relative to the current one (-C sub, -C .)', async () => {
    mkdirSync(join(session.workdir, 'sub'));
    for (const [directory, expected] of [
      ['sub', join(session.workdir, 'sub')],
      ['.', session.workdir],
      ['sub/..', session.workdir],
    ] as const) {
      const run = await cli(['run', '-a', 'command', '-C', directory, '--wait', '--json', 'pwd']);
      expect({ directory, code: run.code, stderr: run.stderr }).toEqual({ directory, code: 0, stderr: '' });
      expect(json(TaskJson, run.stdout).cwd).toBe(realpathSync(expected));
    }
    const missing = await cli(['run', '-a', 'command', '-C', 'nowhere', 'pwd']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`The working directory ${join(session.workdir, 'nowhere')} does not exist`);
  });

  it('is told to give a duration its unit, on the command line and in settings', async () => {
    const bare = await cli(['run', '-a', 'command', '-t', '1', 'true']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe('claudine: --timeout "1" has no unit: use e.g. 90s, 10m or 1h (1ms if you mean milliseconds)\n');
    expect((await cli(['ls', '-q'])).stdout).toBe('');
    expect((await cli(['db', 'prune', '--older-than', '7'])).stderr).toMatch(/--older-than "7" has no unit: use e\.g\. 7d or 12h/);
    expect((await cli(['ls', '--since', '30'])).stderr).toMatch(/--since "30" has no unit: use e\.g\. 30m, 6h or 7d/);
    const setting = await cli(['config', 'set', 'timeout.killGrace', '5']);
    expect(setting.code).toBe(2);
    expect(setting.stderr).toMatch(
      /Cannot set timeout\.killGrace: "5" has no unit: write e\.g\. 5s, 5m or 5h \(5ms if you mean milliseconds\)/,
    );
    session.env = { ...session.env, CLAUDINE_TIMEOUT_DEFAULT: '600' };
    const variable = await cli(['ls']);
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/timeout\.default: "600" has no unit.*\(set in CLAUDINE_TIMEOUT_DEFAULT\)/);
    session.env = { ...session.env, CLAUDINE_TIMEOUT_DEFAULT: '10m' };
    const fine = await cli(['run', '-a', 'command', '-t', '90s', '--wait', '--json', 'true']);
    expect(fine.code).toBe(0);
    expect(json(TaskJson, fine.stdout).timeoutMs).toBe(90_000);
  });

  it('cannot set timeouts that would stop or refuse every task', async () => {
    const zero = await cli(['config', 'set', 'timeout.default', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/Cannot set timeout\.default: must be longer than 0/);
    const below = await cli(['config', 'set', 'timeout.max', '10m']);
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(
      /Cannot set timeout\.max: timeout\.max \(10 min\) is shorter than timeout\.default \(30 min\).*raise timeout\.max, or lower timeout\.default/,
    );
    expect((await cli(['config', 'set', 'timeout.default', '5m'])).code).toBe(0);
    expect((await cli(['config', 'set', 'timeout.max', '10m'])).code).toBe(0);
    expect((await cli(['config', 'set', 'timeout.default', '1h'])).stderr).toMatch(
      /timeout\.max \(10 min\) is shorter than timeout\.default \(1 h\)/,
    );
    // A task still runs with the settings that were accepted.
    expect((await cli(['run', '-a', 'command', '--wait', 'true'])).code).toBe(0);
  });

  it('lists blocked tasks with --status blocked, as the table shows them', async () => {
    const go = join(session.workdir, 'go');
    const gate = await session.submit(`while [ ! -f '${go}' ]; do sleep 0.05; done`);
    const waiting = await session.submit('true', '-d', gate);
    const free = await session.submit('sleep 0');
    await session.waitForStatus(free, ['completed']);
    const table = await cli(['ls']);
    expect(table.stdout).toMatch(new RegExp(`${waiting}\\s+blocked`));
    const blocked = await cli(['ls', '--status', 'blocked', '--json']);
    expect(blocked.code).toBe(0);
    expect(json(TaskListJson, blocked.stdout).tasks.map((task) => task.id)).toEqual([waiting]);
    expect((await cli(['ls', '-q', '--status', 'blocked,running'])).stdout.trim().split('\n')).toEqual([waiting, gate]);
    expect((await cli(['ls', '-q', '--status', 'queued,blocked'])).stdout.trim().split('\n')).toEqual([waiting]);
    expect((await cli(['ls', '--status', 'stuck'])).stderr).toMatch(/"stuck" is not a state; use .*cancelled, blocked/);
    writeFileSync(go, '');
    await session.waitForStatus(waiting, ['completed']);
    expect((await cli(['ls', '--status', 'blocked'])).stdout).toBe('No task matches.\n');
  });

  it('gets 128+N from run --wait for a task killed by signal N, whichever the signal', async () => {
    for (const [signal, code] of [
      ['SEGV', 139],
      ['USR1', 138],
      ['TERM', 143],
    ] as const) {
      const run = await cli(['run', '-a', 'command', '--wait', `kill -${signal} $$`]);
      expect({ signal, code: run.code }).toEqual({ signal, code });
    }
  });

  it('is told that a backup directory does not exist, not that the database is damaged', async () => {
    await session.submit('true');
    const backup = await cli(['db', 'backup', '/no/such/dir/x.db']);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toBe(
      'claudine: The directory /no/such/dir does not exist: create it (mkdir -p /no/such/dir) or back up to a file in an existing directory. The database was not touched.\n',
    );
    writeFileSync(join(session.workdir, 'file'), '');
    expect((await cli(['db', 'backup', 'file/x.db'])).stderr).toContain(`${join(session.workdir, 'file')} is a file, not a directory`);
    expect((await cli(['db', 'backup', 'copy.db'])).code).toBe(0);
  });

  it('is told which variable is wrong, and the config file is not blamed', async () => {
    expect((await cli(['config', 'set', 'concurrency', '3'])).code).toBe(0);
    session.env = { ...session.env, CLAUDINE_CONCURRENCY: 'lots' };
    const ls = await cli(['ls']);
    expect(ls.code).toBe(2);
    expect(ls.stderr).toMatch(
      /^claudine: The configuration is invalid \(from CLAUDINE_CONCURRENCY\):\n {2}concurrency: .*\(set in CLAUDINE_CONCURRENCY\)\n/,
    );
    expect(ls.stderr).not.toContain('config.json');
  });
});
