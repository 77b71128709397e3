import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus, type Task } from '@claudine/core';
import { fakeClaudePath, isProcessAlive, useTestDirectories, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { openClaudine } from '../client/client.js';
import { hostEntryPath } from '../client/ensure-host.js';
import { CONTINUATION_PROMPT } from './session-continuation.js';

// Real host processes, SIGKILLed while an agent runs; the next host's recovery requeues the
// task, and its next attempt is checked through the command line the runner logged.
const dirs = useTestDirectories();
let environment: Record<string, string | undefined>;
let claudine: Claudine;
const hosts: ChildProcess[] = [];

beforeEach(() => {
  environment = {
    ...process.env,
    CLAUDINE_AGENTS_CLAUDE_COMMAND: fakeClaudePath,
    CLAUDINE_TIMEOUT_KILL_GRACE: '300ms',
    FAKE_CLAUDE_SESSIONS: join(dirs.root, 'sessions'),
  };
  claudine = openClaudine({ home: dirs.home, environment, autoStartHost: false });
});

afterEach(async () => {
  for (const host of hosts.splice(0)) if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
  claudine.close();
});

function startHostProcess(): ChildProcess {
  const host = spawn(process.execPath, [hostEntryPath(), '--home', dirs.home], { env: environment as NodeJS.ProcessEnv, stdio: 'ignore' });
  hosts.push(host);
  return host;
}

async function killHard(host: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => host.once('exit', resolve));
  host.kill('SIGKILL');
  await exited;
}

async function finished(id: string): Promise<Task> {
  return waitFor(
    async () => {
      const task = await claudine.get(id);
      return isTerminalStatus(task.status) ? task : undefined;
    },
    { description: `task ${id} to finish`, timeoutMs: 30_000 },
  );
}

// The command line of each attempt, as the runner noted it at the top of the task's log.
async function attemptLines(id: string): Promise<string[]> {
  const log = await claudine.output.read(id, { streams: ['system'] });
  return log.records
    .map((record) => record.text)
    .join('')
    .split('\n')
    .filter((line) => /^\[claudine\] attempt \d+: /.test(line));
}

describe('a crashed agent task', () => {
  it('continues its claude session: the session id is recorded when announced, and the next attempt resumes it', async () => {
    const first = startHostProcess();
    const { task } = await claudine.submit({ prompt: 'Refactor the parser [[fake: sleep 60000]]', agent: 'claude', cwd: dirs.workdir });
    // Recorded as soon as the agent announced it, while the task still runs.
    const running = await waitFor(
      async () => {
        const current = await claudine.get(task.id);
        return current.status === 'running' && current.report?.sessionId != null ? current : undefined;
      },
      { description: 'the session id to be recorded while the task runs' },
    );
    const sessionId = running.report?.sessionId as string;
    await killHard(first);
    startHostProcess();

    const done = await finished(task.id);
    expect(done).toMatchObject({ status: 'completed', attempt: 2, report: { sessionId } });
    // The fake answers with the first line of the prompt it was given.
    expect(done.report?.resultText).toBe(`Fake result for: ${CONTINUATION_PROMPT.slice(0, 60)}`);
    const [attempt1, attempt2] = await attemptLines(task.id);
    expect(attempt1).not.toContain('--resume');
    expect(attempt2).toBe(
      `[claudine] attempt 2: ${fakeClaudePath} -p --output-format stream-json --verbose --permission-mode acceptEdits --resume ${sessionId}`,
    );
    expect((await claudine.attempts(task.id))[0]?.detail).toContain(`the next attempt continues its session ${sessionId}`);
  });

  it('starts over when it never reached a session', async () => {
    // A claude that says nothing until the test lets it through, so the first attempt dies
    // before any session was announced.
    const gate = join(dirs.root, 'gate');
    const claude = join(dirs.root, 'slow-claude');
    writeFileSync(claude, `#!/bin/sh\nwhile [ ! -e ${gate} ]; do sleep 0.05; done\nexec ${fakeClaudePath} "$@"\n`);
    chmodSync(claude, 0o755);
    environment = { ...environment, CLAUDINE_AGENTS_CLAUDE_COMMAND: claude };
    const first = startHostProcess();
    const { task } = await claudine.submit({ prompt: 'Write the docs', agent: 'claude', cwd: dirs.workdir });
    await waitFor(async () => (await claudine.get(task.id)).pid !== null, { description: 'the agent to start' });
    await killHard(first);
    writeFileSync(gate, '');
    startHostProcess();

    const done = await finished(task.id);
    expect(done).toMatchObject({ status: 'completed', attempt: 2, report: { resultText: 'Fake result for: Write the docs' } });
    const lines = await attemptLines(task.id);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain('--resume');
  });

  it('continues its codex thread with `codex exec resume`', async () => {
    // A codex that announces its thread, then hangs, unless it is resuming: then it answers
    // with its argv and the prompt it read.
    const codex = join(dirs.root, 'fake-codex.mjs');
    writeFileSync(
      codex,
      `#!/usr/bin/env node
let prompt = '';
process.stdin.on('data', (chunk) => { prompt += chunk; });
process.stdin.on('end', () => {
  const resuming = process.argv.includes('resume');
  console.log(JSON.stringify({ type: 'thread.started', thread_id: resuming ? process.argv[process.argv.indexOf('resume') + 1] : 'thread-7' }));
  if (!resuming) return setTimeout(() => {}, 60000);
  console.log(JSON.stringify({ type: 'item.completed', item: { type: 'agent_message', text: 'argv: ' + process.argv.slice(2).join(' ') + ' | prompt: ' + prompt } }));
  console.log(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 1 } }));
});
`,
    );
    chmodSync(codex, 0o755);
    environment = { ...environment, CLAUDINE_AGENTS_CODEX_COMMAND: codex };
    const first = startHostProcess();
    const { task } = await claudine.submit({ prompt: 'Port the build to Rust', agent: 'codex', cwd: dirs.workdir });
    await waitFor(async () => (await claudine.get(task.id)).report?.sessionId === 'thread-7', {
      description: 'the thread id to be recorded while the task runs',
    });
    await killHard(first);
    startHostProcess();

    const done = await finished(task.id);
    expect(done).toMatchObject({ status: 'completed', attempt: 2 });
    expect(done.report?.resultText).toBe(`argv: exec --json --skip-git-repo-check resume thread-7 - | prompt: ${CONTINUATION_PROMPT}`);
    expect(isProcessAlive(first.pid as number)).toBe(false);
  });
});
