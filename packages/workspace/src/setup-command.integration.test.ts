import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, useTempDir, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import { runSetupCommand, type SetupStream } from './setup-command.js';

const dir = useTempDir();

function collect(): { onOutput(stream: SetupStream, chunk: Buffer): void; text(stream: SetupStream): string } {
  const chunks: Record<SetupStream, Buffer[]> = { stdout: [], stderr: [] };
  return {
    onOutput: (stream, chunk) => chunks[stream].push(chunk),
    text: (stream) => Buffer.concat(chunks[stream]).toString('utf8'),
  };
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'from the task' };

// Runs `command` in the test's directory, collecting what it writes.
async function runCollecting(command: string) {
  const output = collect();
  const outcome = await runSetupCommand({ command, cwd: dir.path, env, onOutput: output.onOutput });
  return { outcome, text: output.text };
}

describe('the setup command', () => {
  it('runs in the worktree with the task’s environment only, handing over its output', async () => {
    process.env.CLAUDINE_HOST_ONLY = 'must not leak';
    const { outcome, text } = await runCollecting('pwd; echo "$GREETING"; echo "host: $CLAUDINE_HOST_ONLY"; echo warning >&2');
    delete process.env.CLAUDINE_HOST_ONLY;
    expect(outcome).toMatchObject({ exitCode: 0, signal: null, aborted: false });
    expect(text('stdout')).toBe(`${dir.path}\nfrom the task\nhost: \n`);
    expect(text('stderr')).toBe('warning\n');
  });

  it('reports a failing command with its exit code and output', async () => {
    const { outcome, text } = await runCollecting('echo "lockfile out of date" >&2; exit 3');
    expect(outcome).toMatchObject({ exitCode: 3, aborted: false });
    expect(text('stderr')).toContain('lockfile out of date');
  });

  it('is stopped by its signal, its whole process group with it, even a child that ignores SIGTERM', async () => {
    const pids = join(dir.path, 'pids');
    const controller = new AbortController();
    const running = runSetupCommand({
      command: `sh -c 'trap "" TERM; echo $$ > ${pids}.child; while :; do sleep 1; done' & echo $$ > ${pids}; wait`,
      cwd: dir.path,
      env,
      signal: controller.signal,
      killGraceMs: 200,
    });
    const child = await waitFor(() => existsSync(`${pids}.child`) && Number(readFileSync(`${pids}.child`, 'utf8')), {
      description: 'the child',
    });
    controller.abort();
    const outcome = await running;
    expect(outcome.aborted).toBe(true);
    expect(outcome.exitCode === null || outcome.signal !== null).toBe(true);
    await waitFor(() => !isProcessAlive(child), { description: 'the child to be killed' });
  });

  it('kills what the command left running when its shell exits, so nothing holds the task', async () => {
    const pids = join(dir.path, 'pids');
    const outcome = await runSetupCommand({ command: `sleep 60 & echo $! > ${pids}; echo started`, cwd: dir.path, env });
    expect(outcome.exitCode).toBe(0);
    const daemon = Number(readFileSync(pids, 'utf8'));
    await waitFor(() => !isProcessAlive(daemon), { description: 'the leftover to be killed' });
  });

  it('does not start when already aborted, and refuses a missing directory with spawn_failed', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await runSetupCommand({ command: 'touch started', cwd: dir.path, env, signal: controller.signal })).toMatchObject({
      aborted: true,
      exitCode: null,
    });
    expect(existsSync(join(dir.path, 'started'))).toBe(false);
    await expect(runSetupCommand({ command: 'true', cwd: join(dir.path, 'missing'), env })).rejects.toMatchObject({ code: 'spawn_failed' });
  });
});
