import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, isProcessAlive, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { runSetupCommand, type SetupStream } from './setup-command.js';

let dir: TempDir | undefined;
afterEach(() => dir?.remove());

function collect(): { onOutput(stream: SetupStream, chunk: Buffer): void; text(stream: SetupStream): string } {
  const chunks: Record<SetupStream, Buffer[]> = { stdout: [], stderr: [] };
  return {
    onOutput: (stream, chunk) => chunks[stream].push(chunk),
    text: (stream) => Buffer.concat(chunks[stream]).toString('utf8'),
  };
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'from the task' };

describe('the setup command', () => {
  it('runs in the worktree with the task’s environment only, handing over its output', async () => {
    dir = createTempDir();
    process.env.CLAUDINE_HOST_ONLY = 'must not leak';
    const output = collect();
    const outcome = await runSetupCommand({
      command: 'pwd; echo "$GREETING"; echo "host: $CLAUDINE_HOST_ONLY"; echo warning >&2',
      cwd: dir.path,
      env,
      onOutput: output.onOutput,
    });
    delete process.env.CLAUDINE_HOST_ONLY;
    expect(outcome).toMatchObject({ exitCode: 0, signal: null, aborted: false });
    expect(output.text('stdout')).toBe(`${dir.path}\nfrom the task\nhost: \n`);
    expect(output.text('stderr')).toBe('warning\n');
  });

  it('reports a failing command with its exit code and output', async () => {
    dir = createTempDir();
    const output = collect();
    const outcome = await runSetupCommand({
      command: 'echo "lockfile out of date" >&2; exit 3',
      cwd: dir.path,
      env,
      onOutput: output.onOutput,
    });
    expect(outcome).toMatchObject({ exitCode: 3, aborted: false });
    expect(output.text('stderr')).toContain('lockfile out of date');
  });

  it('is stopped by its signal, its whole process group with it, even a child that ignores SIGTERM', async () => {
    dir = createTempDir();
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
    dir = createTempDir();
    const pids = join(dir.path, 'pids');
    const outcome = await runSetupCommand({ command: `sleep 60 & echo $! > ${pids}; echo started`, cwd: dir.path, env });
    expect(outcome.exitCode).toBe(0);
    const daemon = Number(readFileSync(pids, 'utf8'));
    await waitFor(() => !isProcessAlive(daemon), { description: 'the leftover to be killed' });
  });

  it('does not start when already aborted, and refuses a missing directory with spawn_failed', async () => {
    dir = createTempDir();
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
