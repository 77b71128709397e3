import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AgentSpawn } from './agent-spawn.js';
import { cgroupV2Of } from './cgroup-v2.js';
import { canCreateCgroups, scratchCgroup } from './cgroups.test-helper.js';
import { type BrokeredProcess, createSpawnBroker, type SpawnBroker, type SpawnBrokerOptions } from './spawn-broker.js';

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

function openBrokerWith(options: SpawnBrokerOptions): SpawnBroker {
  const broker = createSpawnBroker(options);
  onTestFinished(() => broker.close());
  return broker;
}

const cgroupsAvailable = canCreateCgroups();

// The broker's counters are its process's minus its main thread's. With child_process, its other
// threads' few wake-up writes (libuv's signal pipe and eventfd, a few bytes each) land on one side
// or the other of a reading: measured here, -7 to +9 bytes. Far below any agent's I/O.
const BROKER_THREAD_NOISE = 64;

// Runs `script` through the broker and resolves with its output once it has closed.
function run(
  broker: SpawnBroker,
  script: string,
  request: Partial<AgentSpawn> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; process: BrokeredProcess }> {
  const child = broker.spawn({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: '/',
    env: { PATH: process.env.PATH },
    stdin: null,
    cgroup: null,
    ...request,
  });
  let stdout = '';
  let stderr = '';
  child.once('spawn', () => {
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, stdout, stderr, process: child }));
  });
}

describe.runIf(process.platform === 'linux')('spawn broker', () => {
  it('starts agents by vfork, its native module being built here', async () => {
    const broker = openBrokerWith({});
    expect(broker.spawnMethod()).toBeNull();
    await run(broker, 'true');
    expect(broker.spawnMethod()).toEqual({ method: 'vfork' });
  });

  it('starts agents by child_process when told not to use vfork', async () => {
    const broker = openBrokerWith({ vfork: false });
    await run(broker, 'true');
    expect(broker.spawnMethod()).toEqual({ method: 'child_process', vforkUnavailable: 'turned off' });
  });
});

// Everything else holds for both ways of starting a process.
describe.runIf(process.platform === 'linux').each([
  { method: 'vfork', vfork: true },
  { method: 'child_process', vfork: false },
])('spawn broker starting agents by $method', ({ vfork }) => {
  const openBroker = (): SpawnBroker => openBrokerWith({ vfork });

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

  it('gives the agent blocking output: a burst far larger than the socket holds arrives whole', async () => {
    const broker = openBroker();
    const bytes = 8_000_000;
    const { code, stdout, stderr } = await run(
      broker,
      `head -c ${bytes} /dev/zero | tr '\\0' x; head -c ${bytes} /dev/zero | tr '\\0' y >&2`,
    );
    expect(stderr.length).toBe(bytes);
    expect(stdout.length).toBe(bytes);
    expect(code).toBe(0);
  });

  it.runIf(cgroupsAvailable)('starts a process in the cgroup it is given, the broker staying where it is', async () => {
    const before = new Set(brokerPids());
    const broker = openBroker();
    await run(broker, 'true');
    const brokerPid = brokerPids().find((pid) => !before.has(pid));
    if (brokerPid === undefined) throw new Error('no broker process found');
    const brokerCgroup = cgroupV2Of(brokerPid)?.path;
    expect(brokerCgroup).toBeDefined();
    const cgroup = scratchCgroup(vfork ? 'vfork' : 'fork');
    if (cgroup === undefined) throw new Error('could not create a cgroup');
    onTestFinished(() => rmdirSync(cgroup.directory));
    // The process itself says where it is (exec): it was there before it ran anything.
    const { stdout, code } = await run(broker, 'exec cat /proc/self/cgroup', { cgroup: cgroup.directory });
    expect(code).toBe(0);
    expect(stdout).toContain(`0::${cgroup.path}\n`);
    expect(cgroupV2Of(brokerPid)?.path).toBe(brokerCgroup);
  });

  it('starts a process outside a cgroup that cannot be entered, rather than not at all', async () => {
    const broker = openBroker();
    const { stdout, code } = await run(broker, 'echo started', { cgroup: '/proc/claudine-not-a-cgroup' });
    expect({ stdout, code }).toEqual({ stdout: 'started\n', code: 0 });
  });

  it('writes the prompt to stdin and closes it, however large', async () => {
    const broker = openBroker();
    // Far more than a pipe holds: written as the agent reads.
    const prompt = 'x'.repeat(3_000_000);
    const { code, stdout } = await run(broker, 'wc -c', { stdin: prompt });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(String(prompt.length));
  });

  it('starts a process that never reads its stdin, the prompt being dropped', async () => {
    const broker = openBroker();
    const { code } = await run(broker, 'exit 4', { stdin: 'y'.repeat(1_000_000) });
    expect(code).toBe(4);
  });

  it('starts each process in a session of its own, with no signal ignored or blocked', async () => {
    const broker = openBroker();
    // The process itself reports (exec): its process group and session, fields 5 and 6 of its
    // stat; then its signal masks.
    const ids = await run(broker, 'exec cut -d " " -f 5,6 /proc/self/stat');
    expect(ids.stdout.trim()).toBe(`${ids.process.pid} ${ids.process.pid}`);
    const { stdout } = await run(broker, 'exec grep -E "^Sig(Ign|Blk):" /proc/self/status');
    // Node ignores SIGPIPE; an agent must not inherit that, nor anything blocked.
    expect(stdout.trim().split('\n').sort()).toEqual(['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
  });

  it('reports an exit by signal by its name', async () => {
    const broker = openBroker();
    const { code, signal } = await run(broker, 'kill -TERM $$');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it("finds a program on the PATH of the agent's environment, and runs it in the cwd given", async () => {
    const broker = openBroker();
    const directory = mkdtempSync(join(tmpdir(), 'claudine-broker-path-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    writeFileSync(join(directory, 'claudine-test-tool'), '#!/bin/sh\necho "tool in $(pwd)"\n', { mode: 0o755 });
    const child = broker.spawn({
      command: 'claudine-test-tool',
      args: [],
      cwd: directory,
      env: { PATH: `/nonexistent:${directory}:/usr/bin:/bin` },
      stdin: null,
      cgroup: null,
    });
    let stdout = '';
    child.once('spawn', () => child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString())));
    await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    expect(stdout).toBe(`tool in ${directory}\n`);
  });

  it('fails with ENOENT a program not on the PATH, and a working directory that does not exist', async () => {
    const broker = openBroker();
    const failure = (request: Partial<AgentSpawn>): Promise<NodeJS.ErrnoException> => {
      const child = broker.spawn({
        command: '/bin/sh',
        args: ['-c', 'true'],
        cwd: '/',
        env: { PATH: '/usr/bin:/bin' },
        stdin: null,
        cgroup: null,
        ...request,
      });
      return new Promise((resolve, reject) => {
        child.once('error', resolve);
        child.once('close', () => reject(new Error('it ran')));
      });
    };
    const missing = await failure({ command: 'claudine-no-such-program' });
    expect(missing).toMatchObject({ code: 'ENOENT', message: expect.stringContaining('claudine-no-such-program') });
    expect((await failure({ cwd: '/no/such/directory' })).code).toBe('ENOENT');
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
      expect(written).toBeGreaterThanOrEqual((index + 1) * bytes - BROKER_THREAD_NOISE);
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
    expect(read).toBeGreaterThanOrEqual(bytes - BROKER_THREAD_NOISE);
    expect(written).toBeGreaterThanOrEqual(bytes - BROKER_THREAD_NOISE);
    // The shells read their libraries and scripts too, but nowhere near another megabyte.
    expect(read).toBeLessThan(bytes + 1_000_000);
    expect(written).toBeLessThan(bytes + 100_000);
  });
});
