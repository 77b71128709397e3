import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type BrokeredProcess, createSpawnBroker, type SpawnBroker } from './spawn-broker.js';

// The pids of this process's spawn brokers (earlier tests' may still be exiting), from /proc.
function brokerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes('spawn-broker-main'))
        pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function openBroker(): SpawnBroker {
  const broker = createSpawnBroker();
  onTestFinished(() => broker.close());
  return broker;
}

// Runs `script` through the broker and resolves with its output once it has closed.
function run(
  broker: SpawnBroker,
  script: string,
): Promise<{ code: number | null; stdout: string; stderr: string; process: BrokeredProcess }> {
  const child = broker.spawn({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: '/',
    env: { PATH: process.env.PATH },
    stdin: null,
    cgroup: null,
  });
  let stdout = '';
  let stderr = '';
  child.once('spawn', () => {
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null) => resolve({ code, stdout, stderr, process: child }));
  });
}

describe.runIf(process.platform === 'linux')('spawn broker', () => {
  it('starts a process with its output connected and reports its exit', async () => {
    const broker = openBroker();
    const { code, stdout, process: child } = await run(broker, 'echo hello; exit 3');
    expect(code).toBe(3);
    expect(stdout).toBe('hello\n');
    expect(child.pid).toBeGreaterThan(0);
    expect(typeof child.startTime).toBe('string');
  });

  it('gives each of many quick processes started at once its own stdout and stderr, complete', async () => {
    const broker = openBroker();
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, index) => run(broker, `printf 'out-${index}'; printf 'err-${index}' >&2; exit ${index % 7}`)),
    );
    runs.forEach((result, index) => {
      expect(result).toMatchObject({ code: index % 7, stdout: `out-${index}`, stderr: `err-${index}` });
    });
  });

  it('fails a process that cannot start and goes on starting the next', async () => {
    const broker = openBroker();
    const missing = broker.spawn({ command: '/no/such/program', args: [], cwd: '/', env: {}, stdin: null, cgroup: null });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => missing.once('error', resolve));
    expect(error.code).toBe('ENOENT');
    expect((await run(broker, 'echo next')).stdout).toBe('next\n');
  });

  it('gives each process its own environment, variables removed since the last one included', async () => {
    const broker = openBroker();
    const printed = async (env: Record<string, string | undefined>): Promise<string> => {
      const child = broker.spawn({ command: '/usr/bin/env', args: [], cwd: '/', env, stdin: null, cgroup: null });
      let stdout = '';
      child.once('spawn', () => child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString())));
      await new Promise((resolve) => child.once('close', resolve));
      return stdout.split('\n').filter(Boolean).sort().join(' ');
    };
    expect(await printed({ A: '1', B: '2' })).toBe('A=1 B=2');
    expect(await printed({ A: '1', C: '3', B: undefined })).toBe('A=1 C=3');
    // Sent before the broker has answered: applied in order all the same.
    const together = await Promise.all([printed({ A: 'x' }), printed({ A: 'x', D: '4' }), printed({})]);
    expect(together).toEqual(['A=x', 'A=x D=4', '']);
  });

  it('fails the requests of a broker that dies before it is ready, and never runs them later', async () => {
    const before = new Set(brokerPids());
    const broker = openBroker();
    const marker = join(tmpdir(), `claudine-broker-test-${process.pid}-${Date.now()}`);
    onTestFinished(() => rmSync(marker, { force: true }));
    const early = broker.spawn({ command: '/bin/sh', args: ['-c', `touch ${marker}`], cwd: '/', env: {}, stdin: null, cgroup: null });
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => early.once('error', resolve));
    // The broker is still loading its modules: kill it before it says it is ready.
    const pid = brokerPids().find((candidate) => !before.has(candidate));
    if (pid === undefined) throw new Error('no broker process found');
    process.kill(pid, 'SIGKILL');
    expect((await failed).code).toBe('EBROKER');
    // The next request starts a new broker, which runs it and only it.
    expect((await run(broker, 'echo after')).stdout).toBe('after\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(marker)).toBe(false);
  });

  it('says a process was reaped only once its counters include what it used, for processes ending together', async () => {
    const broker = openBroker();
    await run(broker, 'true');
    const before = broker.reapedCounters();
    if (before === null) throw new Error('no counters');
    // Each writes 2 MB; they end at about the same time, so several share one report.
    const bytes = 2_000_000;
    const count = 6;
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: count }, () => {
        const child = broker.spawn({
          command: '/bin/sh',
          args: ['-c', `sleep 0.3; head -c ${bytes} /dev/zero > /dev/null`],
          cwd: '/',
          env: { PATH: process.env.PATH },
          stdin: null,
          cgroup: null,
        });
        child.once('reaped', () => {
          const now = broker.reapedCounters();
          seen.push(now === null ? 0 : now.writtenChars - before.writtenChars);
        });
        return new Promise((resolve) => child.once('close', resolve));
      }),
    );
    expect(seen).toHaveLength(count);
    // At the k-th notice, at least k processes' writes are counted.
    seen.sort((left, right) => left - right);
    seen.forEach((written, index) => {
      expect(written).toBeGreaterThanOrEqual((index + 1) * bytes);
    });
  });

  it("counts what the processes it reaped read and wrote, and none of the broker's own reads", async () => {
    const broker = openBroker();
    await run(broker, 'true');
    const before = broker.reapedCounters();
    expect(before).not.toBeNull();
    const bytes = 3_000_000;
    await run(broker, `head -c ${bytes} /dev/zero > /dev/null`);
    // A few quick exits in a row: each reading of the counters is what the broker reaped, not
    // the /proc files it read to get them.
    for (let index = 0; index < 5; index += 1) await run(broker, 'true');
    const after = broker.reapedCounters();
    if (before === null || after === null) throw new Error('no counters');
    const read = after.readChars - before.readChars;
    const written = after.writtenChars - before.writtenChars;
    expect(read).toBeGreaterThanOrEqual(bytes);
    expect(written).toBeGreaterThanOrEqual(bytes);
    // The shells read their libraries and scripts too, but nowhere near another megabyte.
    expect(read).toBeLessThan(bytes + 1_000_000);
    expect(written).toBeLessThan(bytes + 100_000);
  });
});
