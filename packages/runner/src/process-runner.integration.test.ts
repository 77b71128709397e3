import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MAX_PROMPT_BYTES, type RunEvent, type RunResult, type Task } from '@claudine/core';
import { fakeClaudePath, findProcessesWithMarker, isProcessAlive, useTestDirectories, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaudeAgent } from './agents/claude-agent.js';
import { createFileOutputStore } from './output/file-output-store.js';
import { createProcessRunner } from './process-runner.js';
import { runningTask } from './runs.test-helper.js';

const dirs = useTestDirectories();
let marker: string;

beforeEach(() => {
  marker = `CLAUDINE_TEST_MARKER=${Math.random().toString(36).slice(2)}`;
});

afterEach(() => {
  for (const pid of findProcessesWithMarker(marker)) process.kill(pid, 'SIGKILL');
});

function task(overrides: Partial<Task> = {}): Task {
  const [name, value] = marker.split('=') as [string, string];
  return runningTask({ cwd: dirs.workdir, agentOptions: { env: { [name]: value } }, ...overrides });
}

function runner(options: { killGraceMs?: number; claudeCommand?: string; environment?: Record<string, string | undefined> } = {}) {
  return createProcessRunner({
    logsDirectory: dirs.logs,
    killGraceMs: options.killGraceMs ?? 1000,
    agents: { claude: createClaudeAgent({ command: options.claudeCommand ?? fakeClaudePath }) },
    ...(options.environment === undefined ? {} : { environment: options.environment }),
  });
}

async function runTask(
  overrides: Partial<Task>,
  options: Parameters<typeof runner>[0] = {},
): Promise<{ result: RunResult; task: Task; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const subject = task(overrides);
  const handle = runner(options).start(subject, { onEvent: (event) => events.push(event) });
  return { result: await handle.done, task: subject, events };
}

async function outputOf(id: string, streams?: Array<'stdout' | 'stderr' | 'system'>): Promise<string> {
  const slice = await createFileOutputStore(dirs.logs).read(id, streams === undefined ? {} : { streams });
  return slice.records.map((record) => record.text).join('');
}

describe('the process runner', () => {
  describe('command agent', () => {
    it('succeeds on exit code 0 and records the process it started', async () => {
      const { result, events } = await runTask({ prompt: 'echo "$CLAUDINE_TASK_ID"' });
      expect(result).toMatchObject({ exitCode: 0, signal: null, failure: null, transient: false, outputTruncated: false });
      const started = events.find((event) => event.kind === 'started');
      expect(started?.kind === 'started' && started.process.pid).toBeGreaterThan(0);
      expect(started?.kind === 'started' && started.process.startTime).toMatch(/:\d+$/);
    });

    it('fails with the exit code of the command', async () => {
      const { result } = await runTask({ prompt: 'exit 3' });
      expect(result).toMatchObject({ exitCode: 3, failure: { reason: 'exit_code', detail: 'exited with code 3' } });
    });

    it('reports a process killed by a signal', async () => {
      const { result } = await runTask({ prompt: 'kill -KILL $$' });
      expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', failure: { reason: 'exit_code', detail: 'killed by SIGKILL' } });
    });

    it('keeps stdout and stderr apart, in order, with the task id in the environment', async () => {
      const { result, task: subject } = await runTask({
        prompt: 'echo "out $CLAUDINE_TASK_ID"; sleep 0.05; echo err >&2; sleep 0.05; echo out2',
      });
      expect(result.failure).toBeNull();
      expect(await outputOf(subject.id, ['stdout'])).toBe(`out ${subject.id}\nout2\n`);
      expect(await outputOf(subject.id, ['stderr'])).toBe('err\n');
      const slice = await createFileOutputStore(dirs.logs).read(subject.id, { streams: ['stdout', 'stderr'] });
      expect(slice.records.map((record) => record.stream)).toEqual(['stdout', 'stderr', 'stdout']);
      expect(slice.records.every((record, index, all) => index === 0 || record.time >= (all[index - 1]?.time ?? 0))).toBe(true);
    });

    it('stops whatever the command left running in its process group', async () => {
      const { result, task: subject } = await runTask({ prompt: 'sleep 60 & echo $!' });
      expect(result.failure).toBeNull();
      const pid = Number((await outputOf(subject.id, ['stdout'])).trim());
      expect(pid).toBeGreaterThan(0);
      await waitFor(() => !isProcessAlive(pid), { description: `background process ${pid} to be stopped` });
    });

    it('fails with spawn_error when the working directory is gone, and says so in its log too', async () => {
      const gone = join(dirs.root, 'gone');
      mkdirSync(gone);
      rmdirSync(gone);
      const { result, task: subject } = await runTask({ cwd: gone });
      expect(result).toMatchObject({
        exitCode: null,
        failure: { reason: 'spawn_error', detail: expect.stringContaining('does not exist') },
      });
      expect(await outputOf(subject.id, ['system'])).toContain(`the working directory ${gone} does not exist`);
    });

    it('runs a command of 1 MiB, handed to the shell in a file rather than as an argument', async () => {
      // One argument may hold at most 128 KiB on Linux: as `sh -c <command>` this fails with E2BIG.
      const line = `echo ${'x'.repeat(1000)}\n`;
      const count = Math.floor(MAX_PROMPT_BYTES / line.length) - 1;
      const prompt = `${line.repeat(count)}echo done`;
      expect(Buffer.byteLength(prompt)).toBeGreaterThan(MAX_PROMPT_BYTES - 2 * line.length);
      const { result, task: subject } = await runTask({ prompt });
      expect(result.failure).toBeNull();
      expect(await outputOf(subject.id, ['stdout'])).toBe(`${`${'x'.repeat(1000)}\n`.repeat(count)}done\n`);
    });

    it('runs the command from a private file, gone when the run ends, with an empty stdin', async () => {
      const { result, task: subject } = await runTask({ prompt: 'stat -c %a "$0"; read line; echo "read: $? [$line]"; cat; echo end' });
      expect(result.failure).toBeNull();
      // Reading stdin ends at once: the command's own text is not on it.
      expect(await outputOf(subject.id, ['stdout'])).toBe('600\nread: 1 []\nend\n');
      expect(readdirSync(join(dirs.logs, subject.id)).filter((name) => !name.endsWith('.log'))).toEqual([]);
    });

    it('says in the failure what the command last printed on stderr', async () => {
      const { result } = await runTask({
        prompt: "echo working >&2; printf 'fatal: no such branch \\033[31mmain\\033[0m\\n\\n' >&2; echo done; exit 2",
      });
      expect(result.failure).toEqual({ reason: 'exit_code', detail: 'exited with code 2: fatal: no such branch main' });
      const { result: quiet } = await runTask({ prompt: 'echo only stdout; exit 3' });
      expect(quiet.failure).toEqual({ reason: 'exit_code', detail: 'exited with code 3' });
    });

    it('fails with spawn_error when the agent program is missing', async () => {
      const { result } = await runTask({ agent: 'claude', prompt: 'hi' }, { claudeCommand: join(dirs.root, 'no-such-claude') });
      expect(result).toMatchObject({ exitCode: null, failure: { reason: 'spawn_error', detail: expect.stringContaining('not found') } });
    });
  });

  describe('timeouts and termination', () => {
    it('sends SIGTERM at the deadline and records a timeout', async () => {
      const started = Date.now();
      const { result, task: subject, events } = await runTask({ prompt: 'sleep 30', timeoutMs: 400 });
      expect(result.failure).toMatchObject({ reason: 'timeout', detail: expect.stringContaining('timed out after') });
      expect(result.signal).toBe('SIGTERM');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(events.map((event) => event.kind)).toEqual(['started', 'timeout_warning', 'terminating']);
      expect(await outputOf(subject.id, ['system'])).toContain('stopping (timeout)');
      expect(findProcessesWithMarker(marker)).toEqual([]);
    });

    it('kills with SIGKILL after the grace period when SIGTERM is ignored', async () => {
      const { result } = await runTask({ prompt: "trap '' TERM; sleep 30 & wait; sleep 30", timeoutMs: 300 }, { killGraceMs: 300 });
      expect(result.failure).toMatchObject({ reason: 'timeout', detail: expect.stringContaining('killed after the grace period') });
      expect(result.signal).toBe('SIGKILL');
      await waitFor(() => findProcessesWithMarker(marker).length === 0, { description: 'every process of the task to be gone' });
    });

    it('stops a task on request, with the reason given', async () => {
      const subject = task({ prompt: 'sleep 30' });
      const handle = runner().start(subject, {
        onEvent(event) {
          // Events may come during start(), before the handle is returned.
          if (event.kind === 'started') setImmediate(() => handle.terminate('cancelled', 'changed my mind'));
        },
      });
      const result = await handle.done;
      expect(result.failure).toEqual({ reason: 'cancelled', detail: 'changed my mind' });
    });
  });

  describe('claude agent', () => {
    it("parses the fake claude's stream-json into result, session, turns, tokens and cost", async () => {
      const { result, task: subject } = await runTask({
        agent: 'claude',
        prompt: 'Summarise the repo [[fake: say looking; tool Read; succeed All good]]',
        agentOptions: { model: 'sonnet', maxTurns: 5, permissionMode: 'acceptEdits', env: { [marker.split('=')[0] as string]: 'x' } },
      });
      expect(result.failure).toBeNull();
      expect(result.report).toMatchObject({
        resultText: 'All good',
        isError: false,
        transient: false,
        turns: 3,
        model: 'sonnet',
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(result.report?.costUsd).toBeGreaterThan(0);
      expect(result.report?.usage?.inputTokens).toBeGreaterThan(0);
      expect(result.report?.usage?.outputTokens).toBeGreaterThan(0);
      const raw = await outputOf(subject.id, ['stdout']);
      expect(
        raw
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line).type),
      ).toEqual(['system', 'assistant', 'assistant', 'user', 'assistant', 'result']);
    });

    it('marks a rate limit as transient and an error result as permanent', async () => {
      const limited = await runTask({ agent: 'claude', prompt: '[[fake: rate-limit]]' });
      expect(limited.result).toMatchObject({ exitCode: 1, transient: true, failure: { reason: 'agent_error' } });
      expect(limited.result.report?.errorKind).toBe('rate_limit');
      const failed = await runTask({ agent: 'claude', prompt: '[[fake: fail it broke]]' });
      expect(failed.result).toMatchObject({ transient: false, failure: { reason: 'agent_error', detail: 'it broke' } });
    });

    it('resumes a session and passes the options on the command line', async () => {
      const { result } = await runTask({
        agent: 'claude',
        prompt: 'continue',
        agentOptions: { resumeSessionId: '11111111-2222-3333-4444-555555555555', allowedTools: ['Read', 'Bash(git log:*)'] },
      });
      expect(result.report?.sessionId).toBe('11111111-2222-3333-4444-555555555555');
    });

    it('reads the real claude CLI: init, authentication failure and error result', async () => {
      const { claudeCommand, environment } = realClaude('@anthropic-ai/claude-code');
      const { result } = await runTask({ agent: 'claude', prompt: 'Say hi', timeoutMs: 60_000 }, { claudeCommand, environment });
      expect(result.exitCode).toBe(1);
      expect(result.failure?.reason).toBe('agent_error');
      expect(result.report).toMatchObject({
        isError: true,
        transient: false,
        errorKind: 'authentication_failed',
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        resultText: expect.stringContaining('Not logged in'),
      });
      expect(result.failure?.detail).toContain('Not logged in');
    }, 90_000);

    // `manual` is the newer versions' name for `default`; 2.1.197 refuses it.
    it.each(['claude-code-2-1-197', '@anthropic-ai/claude-code'])(
      'runs the real claude CLI (%s) in permission mode manual, as far as its authentication',
      async (name) => {
        const { claudeCommand, environment } = realClaude(name);
        const { result, task: subject } = await runTask(
          { agent: 'claude', prompt: 'Say hi', timeoutMs: 60_000, agentOptions: { permissionMode: 'manual' } },
          { claudeCommand, environment },
        );
        expect(await outputOf(subject.id, ['stderr'])).not.toContain('is invalid');
        expect(result.report?.errorKind).toBe('authentication_failed');
        expect(result.failure).toEqual({ reason: 'agent_error', detail: expect.stringContaining('Not logged in') });
      },
      90_000,
    );

    // Every option Claudine can give claude, at once: the real CLI must take them all and get
    // as far as its missing login, not stop at an unknown option or a bad value.
    it('runs the real claude CLI with every option Claudine passes, as far as its authentication', async () => {
      const { claudeCommand, environment } = realClaude('@anthropic-ai/claude-code');
      const { result, task: subject } = await runTask(
        { agent: 'claude', prompt: 'Say hi', timeoutMs: 60_000, agentOptions: EVERY_CLAUDE_OPTION },
        { claudeCommand, environment },
      );
      const stderr = await outputOf(subject.id, ['stderr']);
      expect(stderr).not.toMatch(/unknown option|is invalid|argument missing|error: /i);
      expect(result.report?.errorKind).toBe('authentication_failed');
      expect(result.failure).toEqual({ reason: 'agent_error', detail: expect.stringContaining('Not logged in') });
    }, 90_000);

    it('passes every option to the agent as the arguments it was given', async () => {
      const { result } = await runTask({ agent: 'claude', prompt: '[[fake: echo-args]]', agentOptions: EVERY_CLAUDE_OPTION });
      const argv = JSON.parse(result.report?.resultText ?? '[]') as string[];
      expect(argv).toEqual([
        '-p',
        '--output-format',
        'stream-json',
        '--verbose',
        '--model',
        'sonnet',
        '--max-turns',
        '3',
        '--permission-mode',
        'acceptEdits',
        '--system-prompt',
        'You are terse.',
        '--append-system-prompt',
        'Answer in one line.',
        '--max-budget-usd',
        '0.5',
        '--settings',
        '{"cleanupPeriodDays":30}',
        '--effort',
        'low',
        '--fallback-model',
        'haiku',
        '--strict-mcp-config',
        '--allowed-tools=Read',
        '--allowed-tools=Bash(git log:*)',
        '--disallowed-tools=WebFetch',
        `--add-dir=${EVERY_CLAUDE_OPTION.addDirs?.[0]}`,
        '--mcp-config={"mcpServers":{}}',
      ]);
    });

    it('says in the failure why the real claude CLI refused to run', async () => {
      const { claudeCommand, environment } = realClaude('@anthropic-ai/claude-code');
      const agent = createClaudeAgent({ command: claudeCommand, prefixArgs: ['--no-such-option'] });
      const subject = task({ agent: 'claude', prompt: 'Say hi', timeoutMs: 60_000 });
      const result = await createProcessRunner({ logsDirectory: dirs.logs, agents: { claude: agent }, environment }).start(subject).done;
      expect(result.failure).toEqual({
        reason: 'exit_code',
        detail: expect.stringMatching(/^exited with code 1: error: unknown option '--no-such-option'/),
      });
    }, 90_000);
  });
});

const EVERY_CLAUDE_OPTION: Task['agentOptions'] = {
  model: 'sonnet',
  maxTurns: 3,
  permissionMode: 'acceptEdits',
  systemPrompt: 'You are terse.',
  appendSystemPrompt: 'Answer in one line.',
  maxBudgetUsd: 0.5,
  settings: '{"cleanupPeriodDays":30}',
  effort: 'low',
  fallbackModel: 'haiku',
  agentArgs: ['--strict-mcp-config'],
  allowedTools: ['Read', 'Bash(git log:*)'],
  disallowedTools: ['WebFetch'],
  addDirs: [process.cwd()],
  mcpConfig: ['{"mcpServers":{}}'],
};

// The real Claude Code CLI of the dev dependency `name`, run offline as a user who never logged in.
function realClaude(name: string): { claudeCommand: string; environment: Record<string, string | undefined> } {
  const require = createRequire(import.meta.url);
  const claudeCommand = join(dirname(require.resolve(`${name}/package.json`)), 'bin', 'claude.exe');
  const home = join(dirs.root, `home-${Math.random().toString(36).slice(2)}`);
  mkdirSync(home);
  return { claudeCommand, environment: { PATH: process.env.PATH, HOME: home, IS_SANDBOX: '1' } };
}
