import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { waitFor } from '@claudine/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from './cli.test-helper.js';
import { type CliSession, createCliSession } from './session.test-helper.js';

// Output through a pipe, end to end with the built CLI: what a reader gets is exactly what the
// task printed, a slow reader holds the CLI back instead of its memory growing, and a reader that
// goes away ends the command quietly.

const MIB = 1024 * 1024;
// A task's output big enough that holding it in memory would show: many short lines.
const BIG_BYTES = 160 * MIB;
const BIG_COMMAND = `yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c ${BIG_BYTES}`;
// Ends without a newline, and holds bytes that are not UTF-8.
const ODD_OUTPUT = Buffer.concat([
  Buffer.from('first line\nsecond \u00e9 line\n'),
  Buffer.from([0xff, 0xfe, 0x80]),
  Buffer.from(' no newline'),
]);
const ODD_COMMAND = `printf 'first line\\nsecond \\303\\251 line\\n\\377\\376\\200 no newline'`;
// Most memory the CLI may hold while it copies a log; reading it whole would take far more.
const MAX_RSS_BYTES = 200 * MIB;

let session: CliSession;
let bigTask: string;

/** Starts the CLI with its stdout as a binary pipe the test reads (or not) as it likes. */
function startCli(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [cliPath, ...args], {
    env: session.env as NodeJS.ProcessEnv,
    cwd: session.workdir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What a CLI printed on each stream, as bytes, and how it exited. */
async function collect(child: ChildProcessByStdio<null, Readable, Readable>) {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

async function finished(id: string) {
  return waitFor(
    async () => {
      const task = await session.task(id);
      return ['completed', 'failed', 'cancelled'].includes(task.status) ? task : undefined;
    },
    { description: `task ${id} to finish`, timeoutMs: 120_000, intervalMs: 200 },
  );
}

function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  session = createCliSession();
  bigTask = await session.submit(BIG_COMMAND);
  expect((await finished(bigTask)).status).toBe('completed');
}, 180_000);

afterAll(async () => {
  await session.close();
});

describe('output through a pipe', () => {
  it('copies a large log to a slow reader with bounded memory, every byte', { timeout: 120_000 }, async () => {
    const child = startCli(['logs', '--stdout', bigTask]);
    let received = 0;
    let peak = 0;
    const started = Date.now();
    // A reader that takes in about 40 MiB a second: slower than the CLI can read the log.
    child.stdout.on('data', (chunk: Buffer) => {
      received += chunk.length;
      const due = started + (received / (40 * MIB)) * 1000;
      if (due > Date.now()) {
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), due - Date.now());
      }
    });
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRss(child.pid as number) ?? 0);
    }, 50);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(MAX_RSS_BYTES);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(received).toBe(BIG_BYTES);
  });

  it('ends quietly with status 0 when the reader goes away (| head -c 10)', { timeout: 60_000 }, async () => {
    for (const args of [
      ['logs', '--stdout', bigTask],
      ['logs', bigTask],
      ['run', '--agent', 'command', '--wait', BIG_COMMAND],
    ]) {
      const child = startCli(args);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
      // What `head -c 10` does: take ten bytes and close the pipe.
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ args: args.slice(0, 2), code }).toEqual({ args: args.slice(0, 2), code: 0 });
      expect(first.subarray(0, 10).toString()).toBe('0123456789');
      // Only Claudine's notes from the log and the wait's progress lines: no error, no stack trace.
      const expected = /^(claudine: task \w+ is (queued|running)|\[claudine\] attempt 1: .*)$/;
      expect(stderr.split('\n').filter((line) => line !== '' && !expected.test(line))).toEqual([]);
    }
  });

  it('prints a last line without a newline, and bytes that are not UTF-8, exactly as the task did', { timeout: 60_000 }, async () => {
    const waited = await collect(startCli(['run', '--agent', 'command', '--wait', `${ODD_COMMAND}; ${ODD_COMMAND} >&2`]));
    expect(waited.code).toBe(0);
    expect(waited.stdout.equals(ODD_OUTPUT)).toBe(true);
    const id = /task (\w+) completed/.exec(waited.stderr.toString())?.[1] as string;
    expect(id).toBeDefined();
    const stdout = await collect(startCli(['logs', '--stdout', id]));
    expect(stdout.code).toBe(0);
    expect(stdout.stdout.equals(ODD_OUTPUT)).toBe(true);
    expect(stdout.stderr.length).toBe(0);
    const stderr = await collect(startCli(['logs', '--stderr', id]));
    expect(stderr.stdout.length).toBe(0);
    expect(stderr.stderr.equals(ODD_OUTPUT)).toBe(true);
    // Every stream at once: stdout is still only what the task printed there.
    const all = await collect(startCli(['logs', id]));
    expect(all.stdout.equals(ODD_OUTPUT)).toBe(true);
    expect(all.stderr.toString()).toContain('[claudine] exited with code 0');
  });
});
