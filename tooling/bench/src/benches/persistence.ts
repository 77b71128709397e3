import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NewTaskInput } from '@claudine/core';
import { hostEntryPath, openClaudine, startHost } from '@claudine/runtime';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { newTaskFixture } from '@claudine/task-fixtures';
import Database from 'better-sqlite3';
import { type Benchmark, type Figure, median, timeRepeated } from '../harness.js';
import { startBenchHost } from '../support/bench-host.js';
import { machineBusyMs, processCpuMs } from '../support/cpu-time.js';

// Fills a data directory with `finished` completed tasks and `queued` queued ones, fast: the
// tasks go in through the store in large batches, then are marked finished with one UPDATE.
async function seed(home: string, finished: number, queued: number): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, 'claudine.db');
  const store = SqliteTaskStore.open({ path, synchronous: 'NORMAL' });
  const now = Date.now();
  for (let done = 0; done < finished; done += 5000) {
    const batch = Array.from({ length: Math.min(5000, finished - done) }, () => newTaskFixture({ createdAt: now - 86_400_000 }));
    const result = await store.createMany(batch);
    if (!result.ok) throw new Error(result.error.message);
  }
  store.close();
  const db = new Database(path);
  db.prepare("UPDATE tasks SET status = 'completed', started_at = created_at, finished_at = created_at + 1000, exit_code = 0").run();
  db.close();
  const again = SqliteTaskStore.open({ path, synchronous: 'NORMAL' });
  const result = await again.createMany(Array.from({ length: queued }, () => newTaskFixture({ createdAt: now })));
  if (!result.ok) throw new Error(result.error.message);
  again.close();
}

// Time from calling startHost() to a host that holds the lock, has recovered and claims.
async function readyOnly(home: string, repeats: number): Promise<number[]> {
  const environment = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_CONCURRENCY: '1', CLAUDINE_TIMEOUT_KILL_GRACE: '50ms' };
  const samples: number[] = [];
  for (let index = 0; index < repeats; index += 1) {
    const started = performance.now();
    const host = await startHost({ home, environment });
    samples.push(performance.now() - started);
    await host.stop();
  }
  return samples;
}

// Time from spawning a host process to the moment it holds the lock (Node start, module
// loading, opening the database, recovery), the way a client starts one on demand.
async function processReady(home: string, repeats: number): Promise<number[]> {
  const entry = hostEntryPath();
  const watcher = SqliteTaskStore.open({ path: join(home, 'claudine.db') });
  const samples: number[] = [];
  try {
    for (let index = 0; index < repeats; index += 1) {
      const started = performance.now();
      const child = spawn(process.execPath, [entry, '--home', home], {
        stdio: 'ignore',
        env: { ...process.env, CLAUDINE_HOME: home, CLAUDINE_CONCURRENCY: '1', CLAUDINE_TIMEOUT_KILL_GRACE: '50ms' },
      });
      for (;;) {
        const holder = await watcher.lockHolder();
        if (holder !== undefined && holder.pid === child.pid && holder.stoppedAt === null) break;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      samples.push(performance.now() - started);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    watcher.close();
  }
  return samples;
}

async function nodeStartup(repeats: number): Promise<number[]> {
  return timeRepeated(repeats, () => {
    return new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
  });
}

export const recoveryBenchmark: Benchmark = {
  name: 'recovery',
  description:
    'Host startup at scale: time from startHost() to a host that holds the lock, has recovered and claims, with N finished tasks plus 1,000 queued in the database (median of 7), and the same for a whole host process (median of 5). Baselines: the same on an empty database, and a bare `node -e ""`, in the same run.',
  async run({ scratch, log }) {
    const figures: Figure[] = [];
    const emptyHome = join(scratch, 'empty');
    await seed(emptyHome, 0, 0);
    const baseline = median(await readyOnly(emptyHome, 7));
    for (const finished of [1_000, 10_000, 100_000]) {
      const home = join(scratch, `finished-${finished}`);
      log(`seeding ${finished} finished + 1000 queued tasks`);
      await seed(home, finished, 1000);
      const samples = await readyOnly(home, 7);
      figures.push({
        metric: `time to ready, ${finished.toLocaleString('en-US')} finished + 1,000 queued`,
        value: median(samples),
        unit: 'ms',
        baseline,
        baselineLabel: 'empty database',
        better: 'lower',
        target: finished === 100_000 ? '< 200 ms' : '',
      });
      if (finished === 100_000) {
        figures.push({
          metric: 'host process spawned to ready, 100,000 finished + 1,000 queued',
          value: median(await processReady(home, 5)),
          unit: 'ms',
          baseline: median(await nodeStartup(5)),
          baselineLabel: 'node -e "" start to exit',
          better: 'lower',
          target: '< 1 s',
        });
      }
    }
    return figures;
  },
};

export const submitBenchmark: Benchmark = {
  name: 'submit-throughput',
  description:
    'Tasks durably stored per second by one client (synchronous=FULL: each commit is fsynced), one transaction per task and in batches of 100. Baseline: raw better-sqlite3 INSERTs of a row of the same size with the same pragmas, in the same run.',
  async run({ scratch }) {
    const home = join(scratch, 'home');
    const claudine = openClaudine({ home, autoStartHost: false, environment: { ...process.env, CLAUDINE_HOME: home } });
    const input: NewTaskInput = { prompt: 'true', agent: 'command', cwd: scratch };
    const singles = 300;
    const singleSamples = await timeRepeated(3, async () => {
      for (let index = 0; index < singles; index += 1) await claudine.submit(input);
    });
    const batches = 30;
    const batchSamples = await timeRepeated(3, async () => {
      for (let index = 0; index < batches; index += 1) await claudine.submitMany(Array.from({ length: 100 }, () => input));
    });
    claudine.close();

    const raw = new Database(join(scratch, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
    const insert = raw.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
    const body = 'x'.repeat(400);
    const rawSingle = await timeRepeated(3, () => {
      for (let index = 0; index < singles; index += 1) insert.run(randomBytes(8).toString('hex'), body);
    });
    const rawBatch = await timeRepeated(3, () => {
      for (let index = 0; index < batches; index += 1) {
        raw.transaction(() => {
          for (let row = 0; row < 100; row += 1) insert.run(randomBytes(8).toString('hex'), body);
        })();
      }
    });
    raw.close();
    const rate = (count: number, ms: number) => (count / ms) * 1000;
    return [
      {
        metric: 'submit, one transaction per task',
        value: rate(singles, median(singleSamples)),
        unit: 'tasks/s',
        baseline: rate(singles, median(rawSingle)),
        baselineLabel: 'raw INSERT, FULL',
        better: 'higher',
      },
      {
        metric: 'submitMany, 100 tasks per transaction',
        value: rate(batches * 100, median(batchSamples)),
        unit: 'tasks/s',
        baseline: rate(batches * 100, median(rawBatch)),
        baselineLabel: 'raw INSERT batch, FULL',
        better: 'higher',
      },
    ];
  },
};

// The baseline of the end-to-end benchmark: a plain Node program that runs `count` copies of
// `sh -c true` with at most `concurrency` at once. It runs in a fresh process, as a plain
// program would: forking from this benchmark process, whose heap earlier benchmarks grew, would
// be slower (fork copies the page tables) and flatter the host.
const SPAWN_ALL = `
const { spawn } = require('node:child_process');
const [count, concurrency] = process.argv.slice(1).map(Number);
let started = 0;
let finished = 0;
const begin = performance.now();
const launch = () => {
  if (started >= count) return;
  started += 1;
  const child = spawn('/bin/sh', ['-c', 'true'], { stdio: 'ignore' });
  child.on('error', (error) => { throw error; });
  child.on('close', () => {
    finished += 1;
    if (finished === count) process.stdout.write(String(performance.now() - begin));
    else launch();
  });
};
for (let index = 0; index < concurrency; index += 1) launch();
`;

function spawnAllMs(count: number, concurrency: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SPAWN_ALL, String(count), String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`the spawn baseline exited with ${code}`))));
  });
}

// When the last of `ids` finished, by the host's own clock (`finished_at`), or undefined while
// any is unfinished. Read from the database directly: cheap enough to poll every few ms
// without taking CPU from the host.
function lastFinish(db: Database.Database, count: number): number | undefined {
  const row = db.prepare('SELECT COUNT(*) AS done, MAX(finished_at) AS last FROM tasks WHERE finished_at IS NOT NULL').get() as {
    done: number;
    last: number | null;
  };
  return row.done >= count ? (row.last ?? undefined) : undefined;
}

// How many batches of 1,000 one host runs: the first on a host just started (its code not yet
// compiled by V8's optimizing tiers), then the warm ones, as a host that has been up a while
// runs them.
const WARM_BATCHES = 3;

export const endToEndBenchmark: Benchmark = {
  name: 'e2e-throughput',
  description:
    '1,000 trivial command tasks (`true`) submitted in one batch to a real host process (started as clients start it) and run, from submit to the last completion. One host per case runs four such batches: the first right after it started (cold), then three more (warm: median of 3). Baseline: a plain Node program (a fresh process each time) running the same 1,000 `sh -c true` with child_process.spawn at the same concurrency, before each batch, in the same run. Cases: concurrency 2 and 8, then 8 without a cgroup per task. Also logs the CPU time per task of the host and of the whole machine. Target: at least 300 tasks/s warm.',
  async run({ scratch, log }) {
    const figures: Figure[] = [];
    const count = 1000;
    // Each case's data dir is deleted only at the end. Deleting 1,000 logs just before the next
    // case starts slows the file creations of that case: without a journal (as on this
    // machine's ext4), the kernel looks past recently freed inodes one by one, and that cost is
    // the deletion's, not the host's.
    const homes: string[] = [];
    // The last case shows what a cgroup per task costs (metrics.cgroups=off measures by /proc,
    // and agents start without the shell that moves them into their cgroup).
    const cases = [
      { concurrency: 2, settings: {}, label: '', directory: '' },
      { concurrency: 8, settings: {}, label: '', directory: '' },
      { concurrency: 8, settings: { CLAUDINE_METRICS_CGROUPS: 'off' }, label: ', metrics.cgroups=off', directory: '-nocg' },
    ];
    for (const { concurrency, settings, label, directory } of cases) {
      const home = join(scratch, `e2e-${concurrency}${directory}`);
      homes.push(home);
      const host = await startBenchHost(home, { CLAUDINE_CONCURRENCY: String(concurrency), ...settings }, scratch);
      const db = new Database(join(home, 'claudine.db'), { readonly: true });
      const batches: Array<{ ms: number; baselineMs: number; host: number; machine: number }> = [];
      try {
        let finished = 0;
        for (let batch = 0; batch <= WARM_BATCHES; batch += 1) {
          // The baseline goes just before each batch, so both see the same load on a shared machine.
          const baselineMs = await spawnAllMs(count, concurrency);
          const hostCpuBefore = processCpuMs(host.pid);
          const machineBefore = machineBusyMs();
          const started = Date.now();
          const submitted = await host.claudine.submitMany(
            Array.from({ length: count }, () => ({ prompt: 'true', agent: 'command' as const, cwd: scratch })),
          );
          if (submitted.length !== count) throw new Error(`${submitted.length} of ${count} tasks were submitted`);
          finished += count;
          let last = lastFinish(db, finished);
          while (last === undefined) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            last = lastFinish(db, finished);
          }
          batches.push({
            ms: last - started,
            baselineMs,
            host: (processCpuMs(host.pid) - hostCpuBefore) / count,
            machine: (machineBusyMs() - machineBefore) / count,
          });
        }
        const failed = (db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE status != 'completed'").get() as { n: number }).n;
        if (failed > 0) throw new Error(`${failed} of ${finished} tasks did not complete`);
      } finally {
        db.close();
        await host.stop();
      }
      const rate = (ms: number) => (count / ms) * 1000;
      const [cold, ...warm] = batches as [(typeof batches)[number], ...typeof batches];
      const name = `concurrency ${concurrency}${label}`;
      log(
        `${name}: host ${batches.map(({ ms }) => ms.toFixed(0)).join('/')} ms (cold, then warm), spawn ${batches.map(({ baselineMs }) => baselineMs.toFixed(0)).join('/')} ms`,
      );
      log(
        `${name}: CPU ms per task, cold: host ${cold.host.toFixed(2)}, whole machine ${cold.machine.toFixed(2)}; warm (median): host ${median(warm.map((entry) => entry.host)).toFixed(2)}, whole machine ${median(warm.map((entry) => entry.machine)).toFixed(2)}`,
      );
      figures.push({
        metric: `1,000 tasks, ${name}`,
        value: rate(median(warm.map(({ ms }) => ms))),
        unit: 'tasks/s',
        baseline: rate(median(warm.map(({ baselineMs }) => baselineMs))),
        baselineLabel: 'plain Node child_process.spawn',
        better: 'higher',
        ...(label === '' ? { target: '>= 300 tasks/s' } : {}),
      });
      figures.push({
        metric: `1,000 tasks, ${name}, first batch of a new host`,
        value: rate(cold.ms),
        unit: 'tasks/s',
        baseline: rate(cold.baselineMs),
        baselineLabel: 'plain Node child_process.spawn',
        better: 'higher',
      });
    }
    for (const home of homes) rmSync(home, { recursive: true, force: true });
    return figures;
  },
};
