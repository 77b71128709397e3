import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import {
  CancelJson,
  ConfigPathJson,
  ConfigSetJson,
  ConfigSettingJson,
  ConfigShowJson,
  ConfigUnsetJson,
  DoctorJson,
  StatusSummaryJson,
  SubmittedJson,
  TaskJson,
  TaskListJson,
} from '../src/json-shapes.js';
import { cliPath } from './cli.test-helper.js';
import { useCliSession } from './session.test-helper.js';

const execFileAsync = promisify(execFile);

const session = useCliSession();
const { cli } = session;

const json = <T>(schema: { parse(value: unknown): T }, text: string): T => schema.parse(JSON.parse(text));

describe('claudine ls and status', () => {
  it('lists, filters, sorts and pages tasks, and summarises them', async () => {
    const first = await session.submit('true', '-l', 'nightly', '-l', 'weekly', '-p', 'P2');
    const second = await session.submit('exit 3', '-l', 'nightly');
    const third = await session.submit('true', '-p', 'P0');
    const fourth = await session.submit('true', '-l', 'nightly');
    const fifth = await session.submit('true');
    for (const id of [first, second, third, fourth, fifth]) await session.waitForStatus(id, ['completed', 'failed']);

    const all = json(TaskListJson, (await cli(['ls', '--json'])).stdout);
    expect(all.tasks.map((task) => task.id)).toEqual([fifth, fourth, third, second, first]);
    expect(all.nextCursor).toBeNull();

    // Pages: by cursor, and by number; the cursor chain covers every task once.
    const page1 = json(TaskListJson, (await cli(['ls', '-n', '2', '--json'])).stdout);
    expect(page1.tasks.map((task) => task.id)).toEqual([fifth, fourth]);
    const page2 = json(TaskListJson, (await cli(['ls', '-n', '2', '--cursor', String(page1.nextCursor), '--json'])).stdout);
    expect(page2.tasks.map((task) => task.id)).toEqual([third, second]);
    const page3 = json(TaskListJson, (await cli(['ls', '-n', '2', '--page', '3', '--json'])).stdout);
    expect(page3).toEqual({ tasks: [expect.objectContaining({ id: first })], nextCursor: null });
    const table = await cli(['ls', '-n', '2']);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+AGENT\s+PRI\s+CREATED\s+TOOK\s+PROMPT/);
    expect(table.stdout).toMatch(new RegExp(`${fifth}\\s+completed\\s+command\\s+P1\\s+\\d+ s ago`));
    expect(table.stdout).toContain(`2 shown; more with --cursor ${page1.nextCursor}`);

    // Filters combine; -q prints ids only.
    expect((await cli(['ls', '-q', '--status', 'failed'])).stdout).toBe(`${second}\n`);
    expect((await cli(['ls', '-q', '-l', 'nightly'])).stdout).toBe(`${fourth}\n${second}\n${first}\n`);
    expect((await cli(['ls', '-q', '-l', 'nightly', '--status', 'completed'])).stdout).toBe(`${fourth}\n${first}\n`);
    // Several labels: tasks with all of them, repeated or comma-separated.
    expect((await cli(['ls', '-q', '-l', 'weekly', '-l', 'nightly'])).stdout).toBe(`${first}\n`);
    expect((await cli(['ls', '-q', '-l', 'nightly,weekly'])).stdout).toBe(`${first}\n`);
    expect((await cli(['ls', '-l', 'weekly,missing'])).stdout).toBe('No task matches.\n');
    expect((await cli(['ls', '-q', '--since', '1h'])).stdout.trim().split('\n')).toHaveLength(5);
    expect((await cli(['ls', '--since', '2999-01-01'])).stdout).toBe('No task matches.\n');
    expect((await cli(['ls', '--agent', 'claude', '--json'])).stdout).toContain('"tasks": []');
    // --sort orders every matching task, then pages are cut; --reverse turns it round.
    expect((await cli(['ls', '-q', '--sort', 'priority'])).stdout.trim().split('\n')).toEqual([third, fifth, fourth, second, first]);
    const sorted = json(TaskListJson, (await cli(['ls', '--sort', 'priority', '-n', '2', '--json'])).stdout);
    expect(sorted.tasks.map((task) => task.id)).toEqual([third, fifth]);
    const sortedNext = await cli(['ls', '-q', '--sort', 'priority', '-n', '2', '--cursor', String(sorted.nextCursor)]);
    expect(sortedNext.stdout.trim().split('\n')).toEqual([fourth, second]);
    expect((await cli(['ls', '-q', '--sort', 'priority', '-n', '2', '--page', '3'])).stdout).toBe(`${first}\n`);
    expect((await cli(['ls', '-q', '--sort', 'priority', '--reverse', '-n', '1'])).stdout).toBe(`${first}\n`);
    expect((await cli(['ls', '-q', '--sort', 'status'])).stdout.trim().split('\n')[0]).toBe(second);
    expect((await cli(['ls', '-q', '--reverse'])).stdout.trim().split('\n')).toEqual([first, second, third, fourth, fifth]);

    // Usage errors: exit 2, saying what to do.
    for (const args of [
      ['ls', '--status', 'done'],
      ['ls', '--limit', '0'],
      ['ls', '--limit', '5000'],
      ['ls', '--cursor', '5', '--page', '2'],
      ['ls', '--since', 'last tuesday'],
      ['ls', '--sort', 'size'],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(/\S/);
    }

    // The summary: the host, counts per state, what finished last.
    const summary = json(StatusSummaryJson, (await cli(['status', '--json'])).stdout);
    expect(summary.counts).toEqual({ queued: 0, blocked: 0, running: 0, completed: 4, failed: 1, cancelled: 0 });
    expect(summary.recent.map((task) => task.id)).toEqual([fifth, fourth, third, second, first]);
    const human = await cli(['status']);
    expect(human.code).toBe(0);
    // The host may have left already (it exits when idle): either is said plainly.
    expect(human.stdout).toMatch(/host\s+(running \(pid \d+|not running: one starts when a task is submitted)/);
    expect(human.stdout).toMatch(/tasks\s+0 running, 0 queued, 4 completed, 1 failed, 0 cancelled/);
    expect(human.stdout).toContain('Finished last');

    // One task in full, with what to do next.
    const failed = await cli(['status', second]);
    expect(failed.stdout).toMatch(/status\s+failed \(exit_code\)/);
    expect(failed.stdout).toContain(`next: claudine logs ${second}  |  claudine retry ${second}`);
  });
});

describe('claudine run --follow and --wait', () => {
  it('streams output with plain progress lines off a terminal, ends with the task, and exits with its code', async () => {
    const follow = await session.cli(['run', '-a', 'command', '--follow', 'echo one; sleep 0.3; echo two; exit 4']);
    expect(follow.code).toBe(4);
    expect(follow.stdout).toMatch(/one\n[\s\S]*two\n/);
    expect(follow.stderr).toMatch(/claudine: task [0-9a-z]{10} is running\n/);
    expect(follow.stderr).toContain('failed: exited with code 4');
    const completed = await session.cli(['run', '-a', 'command', '-w', 'echo fine']);
    expect(completed.code).toBe(0);
    expect(completed.stderr).toMatch(/claudine: task [0-9a-z]{10} completed\n$/);
    // With --json the output is the finished task alone, and stderr stays quiet for scripts.
    const quiet = await session.cli(['run', '-a', 'command', '--wait', '--json', 'echo hidden']);
    expect(quiet.code).toBe(0);
    expect(json(TaskJson, quiet.stdout)).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(quiet.stderr).toBe('');
  });
});

describe('claudine cancel', () => {
  it('cancels every queued task (or those with a label) and leaves running ones alone', async () => {
    session.env = { ...session.env, CLAUDINE_CONCURRENCY: '1' };
    const running = await session.submit('sleep 30');
    await session.waitForStatus(running, ['running']);
    const labelled = [await session.submit('true', '-l', 'exp'), await session.submit('true', '-l', 'exp')];
    const other = await session.submit('true');

    const byLabel = json(CancelJson, (await cli(['cancel', '--all-queued', '--label', 'exp', '--json'])).stdout);
    expect(byLabel.map((entry) => entry.id).sort()).toEqual([...labelled].sort());
    expect(byLabel.every((entry) => entry.outcome === 'cancelled' && entry.status === 'cancelled' && entry.error === null)).toBe(true);
    const rest = await cli(['cancel', '--all-queued', '-r', 'tidy up']);
    expect(rest).toMatchObject({ code: 0, stdout: `${other} cancelled\n` });
    expect(await session.task(other)).toMatchObject({ status: 'cancelled', statusDetail: 'tidy up' });
    expect((await cli(['cancel', '--all-queued'])).stdout).toBe('no queued task to cancel\n');
    expect((await session.task(running)).status).toBe('running');

    expect((await cli(['cancel'])).code).toBe(2);
    expect((await cli(['cancel', '--all-queued', running])).code).toBe(2);
    expect((await cli(['cancel', '--label', 'exp', running])).code).toBe(2);
    // Several ids: each is handled; the exit code is that of the first failure (not found: 3).
    const mixed = await cli(['cancel', running, 'aaaaaaaaaa']);
    expect(mixed.code).toBe(3);
    expect(mixed.stdout).toBe(`${running} is running: asked its host to stop it\n`);
    expect(mixed.stderr).toContain('No task has id aaaaaaaaaa');
    await session.waitForStatus(running, ['cancelled']);
  });
});

describe('claudine resume', () => {
  it("continues a claude task's session with new instructions, and refuses what cannot be resumed", async () => {
    const first = json(TaskJson, (await cli(['run', '--wait', '--json', 'Start [[fake: succeed Started]]'])).stdout);
    const sessionId = first.report?.sessionId;
    expect(sessionId).toEqual(expect.any(String));
    const resumed = await cli(['resume', '--wait', '--json', '-t', '5m', first.id, 'Go on [[fake: echo-prompt]]']);
    expect(resumed.code).toBe(0);
    const next = json(TaskJson, resumed.stdout);
    expect(next).toMatchObject({ agent: 'claude', status: 'completed', cwd: first.cwd, timeoutMs: 300_000 });
    expect(next.agentOptions.resumeSessionId).toBe(sessionId);
    expect(next.report?.resultText).toContain('Go on');
    const queued = json(SubmittedJson, (await cli(['resume', '--json', next.id, '-'], { input: 'More [[fake: succeed]]' })).stdout);
    expect(queued.task.prompt).toBe('More [[fake: succeed]]');
    expect(queued.task.agentOptions.resumeSessionId).toEqual(expect.any(String));

    const command = await session.submit('true');
    const notClaude = await cli(['resume', command, 'more']);
    expect(notClaude.code).toBe(2);
    expect(notClaude.stderr).toContain('only claude tasks have a session to resume');
    expect((await cli(['resume', 'aaaaaaaaaa', 'more'])).code).toBe(3);
    expect((await cli(['resume', first.id, '  '])).code).toBe(2);
    expect((await cli(['resume', first.id])).code).toBe(2);
  });
});

describe('claudine config', () => {
  it('shows, sets and unsets settings, validated, and says where each value comes from', async () => {
    const path = json(ConfigPathJson, (await cli(['config', 'path', '--json'])).stdout);
    expect(path).toEqual({ file: join(session.home, 'config.json'), exists: false, dataDirectory: session.home });
    expect((await cli(['config', 'path'])).stdout).toBe(`${path.file}\n`);

    const set = await cli(['config', 'set', 'timeout.default', '45m']);
    expect(set).toMatchObject({ code: 0, stdout: `timeout.default = 45m in ${path.file}\n` });
    expect(statSync(path.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.file, 'utf8'))).toEqual({ timeout: { default: '45m' } });
    const again = json(ConfigSetJson, (await cli(['config', 'set', 'timeout.default', '50m', '--json'])).stdout);
    expect(again).toEqual({ key: 'timeout.default', value: '50m', previous: '45m', resolved: 3_000_000, overriddenBy: null });

    const shown = json(ConfigShowJson, (await cli(['config', 'show', '--json'])).stdout);
    expect(shown.fileExists).toBe(true);
    expect(shown.settings.find((setting) => setting.key === 'timeout.default')).toMatchObject({ source: 'file', raw: '50m' });
    // The test environment sets the claude command: it shows as coming from the environment.
    expect(shown.settings.find((setting) => setting.key === 'agents.claude.command')).toMatchObject({
      source: 'environment',
      variable: 'CLAUDINE_AGENTS_CLAUDE_COMMAND',
    });
    expect(shown.settings.find((setting) => setting.key === 'retry.maxRetries')).toMatchObject({ source: 'default', value: 2 });
    const table = await cli(['config', 'show']);
    expect(table.stdout).toMatch(/timeout\.default\s+50m\s+file\s+Timeout/);
    expect(table.stdout).toMatch(/agents\.claude\.command\s+\S+\s+env CLAUDINE_/);
    const rows = table.stdout.split('\n').filter((line) => !line.startsWith('file: '));
    for (const line of rows) expect(line.length, line).toBeLessThanOrEqual(100);
    const one = json(ConfigSettingJson, (await cli(['config', 'show', 'timeout.default', '--json'])).stdout);
    expect(one).toMatchObject({ key: 'timeout.default', value: 3_000_000, defaultValue: '30m' });
    expect((await cli(['config', 'show', 'timeout.nope'])).code).toBe(2);

    // An override by the environment is said out loud.
    session.env = { ...session.env, CLAUDINE_CONCURRENCY: '3' };
    const overridden = await cli(['config', 'set', 'concurrency', '2']);
    expect(overridden.code).toBe(0);
    expect(overridden.stderr).toContain('CLAUDINE_CONCURRENCY is set and overrides the file');

    // Refusals name the setting and write nothing.
    const before = readFileSync(path.file, 'utf8');
    const typo = await cli(['config', 'set', 'timeout.defualt', '5m']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"timeout.defualt" is not a setting; did you mean "timeout.default"?');
    const bad = await cli(['config', 'set', 'concurrency', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^claudine: Cannot set concurrency: .*Nothing was written\.\n$/s);
    expect(readFileSync(path.file, 'utf8')).toBe(before);

    const unset = json(ConfigUnsetJson, (await cli(['config', 'unset', 'timeout.default', '--json'])).stdout);
    expect(unset).toEqual({ key: 'timeout.default', removed: true, previous: '50m' });
    expect((await cli(['config', 'unset', 'timeout.default'])).stdout).toContain('is not set');
  });

  it('explains a broken config file and lets config commands repair it', async () => {
    mkdirSync(session.home, { recursive: true });
    writeFileSync(join(session.home, 'config.json'), JSON.stringify({ timeout: { default: 'soon' } }));
    const broken = await cli(['ls']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('timeout.default: "soon" is not a duration');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    const show = await cli(['config', 'show']);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain('timeout.default');
    expect((await cli(['config', 'unset', 'timeout.default'])).code).toBe(0);
    expect((await cli(['ls'])).code).toBe(0);
  });
});

describe('claudine doctor', () => {
  it('checks the installation, says how to fix what is wrong, and exits 1 on a failure', async () => {
    const fresh = await cli(['doctor', '--json']);
    const report = json(DoctorJson, fresh.stdout);
    const byId = new Map(report.checks.map((check) => [check.id, check]));
    expect([...byId.keys()]).toEqual([
      'node',
      'claude',
      'claude-login',
      'codex',
      'shell',
      'git',
      'data-directory',
      'disk',
      'config',
      'database',
      'host',
    ]);
    expect(byId.get('node')).toMatchObject({ status: 'ok', fix: null });
    expect(byId.get('git')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/git version 2\.\d+/) });
    expect(byId.get('claude')).toMatchObject({ status: 'ok', detail: expect.stringContaining('(fake)') });
    expect(byId.get('claude-login')).toMatchObject({ status: 'ok', detail: 'logged in (claude.ai)' });
    expect(byId.get('data-directory')?.detail).toContain('not created yet');
    expect(byId.get('database')?.detail).toContain('not created yet');
    expect(report.ok).toBe(true);
    expect(fresh.code).toBe(0);

    await session.submit('true');
    chmodSync(session.home, 0o755);
    session.env = { ...session.env, CLAUDINE_AGENTS_CLAUDE_COMMAND: join(session.root, 'nowhere', 'claude') };
    const broken = await cli(['doctor', '--json']);
    expect(broken.code).toBe(1);
    const problems = new Map(json(DoctorJson, broken.stdout).checks.map((check) => [check.id, check]));
    expect(problems.get('claude')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('claudine config set agents.claude.command'),
    });
    expect(problems.get('data-directory')).toMatchObject({ status: 'warn', fix: expect.stringContaining(`chmod 700 ${session.home}`) });
    expect(problems.get('database')).toMatchObject({ status: 'ok', detail: expect.stringContaining('1 task(s)') });
    const human = await cli(['doctor']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✗ Claude Code \(claude\)\s+\S*nowhere\/claude was not found/);
    expect(human.stdout).toContain('→ Install Claude Code');
    expect(human.stdout).toMatch(/1 problem\(s\) to fix/);
  });
});

describe('claudine completion', () => {
  it('completes commands, options, values, settings and task ids in bash', async () => {
    const id = await session.submit('true');
    const script = await cli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const scriptFile = join(session.root, 'claudine.bash');
    writeFileSync(scriptFile, script.stdout);
    // `claudine` on the PATH, as the completion calls it for task ids.
    const bin = join(session.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claudine'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`, { mode: 0o755 });
    const complete = async (...words: string[]): Promise<string[]> => {
      const quoted = words.map((word) => `'${word}'`).join(' ');
      const program = `source '${scriptFile}'; COMP_WORDS=(claudine ${quoted}); COMP_CWORD=${words.length}; _claudine; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const { stdout } = await execFileAsync('bash', ['-c', program], { env: { ...session.env, PATH: `${bin}:${process.env.PATH}` } });
      return stdout.split('\n').filter(Boolean);
    };
    expect(await complete('ru')).toEqual(['run']);
    expect(await complete('run', '--ag')).toEqual(['--agent', '--agent-arg']);
    expect(await complete('run', '--agent', 'c')).toEqual(['claude', 'codex', 'command']);
    expect(await complete('--home', '/tmp', 'ho')).toEqual(['host']);
    expect(await complete('host', 'st')).toEqual(['start', 'status', 'stop']);
    expect(await complete('config', 'set', 'timeout.')).toEqual(['timeout.default', 'timeout.max', 'timeout.warnAt', 'timeout.killGrace']);
    expect(await complete('logs', '')).toEqual([id]);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);

    for (const shell of ['zsh', 'fish']) {
      const other = await cli(['completion', shell]);
      expect(other.code).toBe(0);
      for (const name of ['run', 'ls', 'status', 'logs', 'cancel', 'resume', 'config', 'doctor', 'completion'])
        expect(other.stdout).toContain(name);
      expect(other.stdout).toContain('claudine ls -q -n 100');
    }
    expect((await cli(['completion', 'powershell'])).code).toBe(2);
  });
});

describe('usage, help and errors', () => {
  it('exits 2 on usage errors, shows examples in --help, and prints stack traces only with --debug', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await cli(['logs']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'id'");
    for (const args of [
      ['run', '--help'],
      ['ls', '--help'],
      ['config', 'set', '--help'],
      ['doctor', '--help'],
    ]) {
      const help = await cli(args);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toMatch(/\nExamples?:\n {2}\$ claudine /);
    }
    const plain = await cli(['status', 'aaaaaaaaaa']);
    expect(plain.stderr).toBe('claudine: No task has id aaaaaaaaaa. List tasks with `claudine ls`.\n');
    const debug = await cli(['--debug', 'status', 'aaaaaaaaaa']);
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('colours output only when asked and never with NO_COLOR', async () => {
    await session.submit('true');
    const withoutTerminal = { ...session.env, NO_COLOR: '' };
    session.env = withoutTerminal;
    expect((await session.cli(['ls'])).stdout).not.toContain('\u001b[');
    session.env = { ...withoutTerminal, FORCE_COLOR: '1' };
    await waitFor(async () => ((await session.cli(['ls'])).stdout.includes('\u001b[1mID') ? true : undefined), {
      description: 'a coloured table',
    });
    session.env = { ...withoutTerminal, FORCE_COLOR: '1', NO_COLOR: '1' };
    expect((await session.cli(['ls'])).stdout).not.toContain('\u001b[');
  });
});
