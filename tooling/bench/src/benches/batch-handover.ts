// W6: a script hands 1,000 trivial tasks over at once (`claudine run --batch -`, the installed command) and they run at
// concurrency 2, against task-spooler's `tsp true` loop in the same run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Benchmark, Figure } from '../harness.js';
import { median } from '../harness.js';

// The installed command (the bundled CLI, which starts its own bundled host), as a user runs it.
const CLI = fileURLToPath(new URL('../../../../apps/cli/bin/claudine.cjs', import.meta.url));
const TSP = '/usr/bin/tsp';
const COUNT = 1000;
const CONCURRENCY = 2;
const ROUNDS = 3;

// Runs `command` with `input` on stdin; resolves with its stdout once it exits 0.
function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string; input?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
    // A child that exits before reading all its input fails through its exit code, not this.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

// When the last of `count` tasks finished, by the host's clock, or undefined while any runs.
function lastFinish(db: Database.Database, count: number): number | undefined {
  const row = db.prepare("SELECT COUNT(*) AS done, MAX(finished_at) AS last FROM tasks WHERE status = 'completed'").get() as {
    done: number;
    last: number | null;
  };
  return row.done >= count ? (row.last ?? undefined) : undefined;
}

async function waitForFinish(db: Database.Database, count: number): Promise<number> {
  for (;;) {
    const last = lastFinish(db, count);
    if (last !== undefined) return last;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// The script a task-spooler user writes: one `tsp true` per task, then wait for the last two
// (with two slots the one before the last may still run when the last ends).
const TSP_LOOP = `i=0; while [ $i -lt ${COUNT} ]; do tsp true >/dev/null; i=$((i+1)); done`;
const TSP_WAIT = `tsp -w ${COUNT - 2} >/dev/null; tsp -w ${COUNT - 1} >/dev/null`;

interface Round {
  /** From the start of the hand-over until every task is handed over (the script's loop, or the CLI, has exited). */
  readonly handedOverMs: number;
  /** From the start of the hand-over until the last task finished. */
  readonly ms: number;
}

async function tspRound(directory: string): Promise<Round> {
  mkdirSync(directory, { recursive: true });
  const env = { ...process.env, TS_SOCKET: join(directory, 'socket'), TMPDIR: directory, TS_MAXFINISHED: String(COUNT * 2) };
  // The server is started and given its two slots first, as the host is running before the batch.
  await run(TSP, ['-S', String(CONCURRENCY)], { env, cwd: directory });
  const started = Date.now();
  await run('/bin/sh', ['-c', TSP_LOOP], { env, cwd: directory });
  const handedOverMs = Date.now() - started;
  await run('/bin/sh', ['-c', TSP_WAIT], { env, cwd: directory });
  const ms = Date.now() - started;
  await run(TSP, ['-K'], { env, cwd: directory }).catch(() => undefined);
  return { handedOverMs, ms };
}

// What Node's own child_process.spawn allows, doing nothing else: a loop that starts the same
// 1,000 `/bin/sh -c true` at concurrency 2 from a Node process holding `ballast` MiB of touched
// memory besides its own. libuv starts a child by fork(), whose cost grows with the parent's
// memory, and waits for the child's exec: the host pays that for every task. Prints the loop's
// milliseconds and the process's anonymous memory in KiB.
const SPAWN_LOOP = `
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
// A top-level const of the script: it stays reachable, and its pages touched, until the exit.
const ballast = [];
for (let i = 0; i < Number(process.argv[1]); i++) ballast.push(Buffer.alloc(1 << 20, 1));
const count = ${COUNT}; let started = 0; let done = 0; const t0 = Date.now();
const next = () => {
  if (started >= count) return;
  started += 1;
  const child = spawn('/bin/sh', ['-c', 'true'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(); child.stdout.resume(); child.stderr.resume();
  child.on('close', () => {
    done += 1;
    if (done < count) return next();
    const anon = /Anonymous:\\s+(\\d+)/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    console.log(Date.now() - t0, anon === null ? 0 : Number(anon[1]));
  });
};
for (let i = 0; i < ${CONCURRENCY}; i++) next();
`;

async function spawnLoopRound(ballastMiB: number, cwd: string): Promise<{ ms: number; anonymousKiB: number }> {
  const [ms, anonymousKiB] = (await run(process.execPath, ['-e', SPAWN_LOOP, String(ballastMiB)], { env: process.env, cwd }))
    .trim()
    .split(' ')
    .map(Number);
  return { ms: ms ?? Number.NaN, anonymousKiB: anonymousKiB ?? 0 };
}

// The most anonymous memory (KiB) process `pid` holds while `until` is pending, sampled every 25 ms
// (seldom enough not to slow the run it watches).
async function peakAnonymousKiB(pid: number, until: Promise<unknown>): Promise<number> {
  let peak = 0;
  let finished = false;
  void until.finally(() => {
    finished = true;
  });
  while (!finished) {
    try {
      const match = /Anonymous:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match !== null) peak = Math.max(peak, Number(match[1]));
    } catch {
      // Not on Linux, or gone.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return peak;
}

const BATCH = `${'{"prompt":"true","agent":"command"}\n'.repeat(COUNT)}`;

export const batchHandover: Benchmark = {
  name: 'batch-handover',
  description: `W6: ${COUNT.toLocaleString('en-US')} trivial command tasks (\`true\`) handed over by a script through \`claudine run --batch -\` (the installed, bundled CLI, one process) to a running host (\`claudine host start\` beforehand) at concurrency ${CONCURRENCY}, from the start of the hand-over to the last task finished (the host's finished_at), median of ${ROUNDS}; also the same with no host running (the CLI starts it). Baseline: task-spooler's \`tsp true\` loop (a shell loop, server started with \`tsp -S ${CONCURRENCY}\` beforehand, then \`tsp -w\` on the last two jobs) in the same run, rounds interleaved. Target: at least half of tsp's rate.`,
  async run({ scratch, log }) {
    if (!existsSync(TSP)) throw new Error(`${TSP} is missing: install task-spooler (apt-get install task-spooler)`);
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm run build)`);
    const warm: Round[] = [];
    const cold: Round[] = [];
    const baseline: Round[] = [];
    const hostAnonymousKiB: number[] = [];
    const bareLoop: { ms: number; anonymousKiB: number }[] = [];
    const hostSizedLoop: { ms: number; anonymousKiB: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      baseline.push(await tspRound(join(scratch, `tsp-${round}`)));

      // A running host: started first (`claudine host start`), as a user's host is up while they work.
      const home = join(scratch, `warm-${round}`);
      const settings = { CLAUDINE_CONCURRENCY: String(CONCURRENCY) };
      const warmEnv = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_HOST_IDLE_EXIT: '30m', ...settings };
      const host = JSON.parse(await run(process.execPath, [CLI, 'host', 'start', '--json'], { env: warmEnv, cwd: scratch })) as {
        pid: number;
      };
      const db = new Database(join(home, 'claudine.db'), { readonly: true });
      try {
        const started = Date.now();
        const ids = (await run(process.execPath, [CLI, 'run', '--batch', '-'], { env: warmEnv, cwd: scratch, input: BATCH }))
          .trim()
          .split('\n');
        const handedOverMs = Date.now() - started;
        if (ids.length !== COUNT) throw new Error(`run --batch printed ${ids.length} ids, not ${COUNT}`);
        const finished = waitForFinish(db, COUNT);
        hostAnonymousKiB.push(await peakAnonymousKiB(host.pid, finished));
        warm.push({ handedOverMs, ms: (await finished) - started });
      } finally {
        db.close();
        await run(process.execPath, [CLI, 'host', 'stop'], { env: warmEnv, cwd: scratch });
      }

      // Node's spawn alone, from a bare process and from one as big as the host was.
      const bare = await spawnLoopRound(0, scratch);
      bareLoop.push(bare);
      const ballast = Math.max(0, Math.round(((hostAnonymousKiB[round] ?? 0) - bare.anonymousKiB) / 1024));
      hostSizedLoop.push(await spawnLoopRound(ballast, scratch));

      // No host: the CLI starts one, as after a reboot or an idle exit.
      const coldHome = join(scratch, `cold-${round}`);
      const env = { ...process.env, CLAUDINE_HOME: coldHome, CLAUDINE_HOST_IDLE_EXIT: '30m', ...settings };
      const started = Date.now();
      await run(process.execPath, [CLI, 'run', '--batch', '-'], { env, cwd: scratch, input: BATCH });
      const handedOverMs = Date.now() - started;
      const coldDb = new Database(join(coldHome, 'claudine.db'), { readonly: true });
      try {
        cold.push({ handedOverMs, ms: (await waitForFinish(coldDb, COUNT)) - started });
      } finally {
        coldDb.close();
        await run(process.execPath, [CLI, 'host', 'stop'], { env, cwd: scratch });
      }
      const show = (entry: Round | undefined) => `${entry?.handedOverMs} ms handed over, ${entry?.ms} ms run`;
      const mib = (kib: number | undefined) => `${Math.round((kib ?? 0) / 1024)} MiB`;
      log(
        `round ${round + 1}: tsp ${show(baseline[round])}; claudine, host running: ${show(warm[round])} (host's peak anonymous memory ${mib(hostAnonymousKiB[round])}); host started by the CLI: ${show(cold[round])}; spawn loop ${bare.ms} ms bare (${mib(bare.anonymousKiB)}), ${hostSizedLoop[round]?.ms} ms at the host's size (${mib(hostSizedLoop[round]?.anonymousKiB)})`,
      );
    }
    const rate = (ms: number) => (COUNT / ms) * 1000;
    const tsp = { baseline: rate(median(baseline.map((entry) => entry.ms))), baselineLabel: 'task-spooler `tsp true` loop' };
    const tasks = COUNT.toLocaleString('en-US');
    const figures: Figure[] = [
      {
        metric: `${tasks} tasks handed over and run, concurrency ${CONCURRENCY}, host running`,
        value: rate(median(warm.map((entry) => entry.ms))),
        unit: 'tasks/s',
        ...tsp,
        better: 'higher',
        target: ">= 50% of tsp's rate",
      },
      {
        metric: `${tasks} tasks handed over and run, concurrency ${CONCURRENCY}, host started by the CLI`,
        value: rate(median(cold.map((entry) => entry.ms))),
        unit: 'tasks/s',
        ...tsp,
        better: 'higher',
      },
      {
        metric: `Node child_process.spawn alone: ${tasks} \`/bin/sh -c true\`, concurrency ${CONCURRENCY}, from a bare Node process`,
        value: rate(median(bareLoop.map((entry) => entry.ms))),
        unit: 'tasks/s',
        ...tsp,
        better: 'higher',
      },
      {
        metric: `the same from a Node process as big as the host while it ran (${Math.round(median(hostAnonymousKiB) / 1024)} MiB anonymous)`,
        value: rate(median(hostSizedLoop.map((entry) => entry.ms))),
        unit: 'tasks/s',
        ...tsp,
        better: 'higher',
      },
      {
        metric: `${tasks} tasks handed over (stored), host running`,
        value: median(warm.map((entry) => entry.handedOverMs)),
        unit: 'ms',
        baseline: median(baseline.map((entry) => entry.handedOverMs)),
        baselineLabel: `${tasks} \`tsp true\` calls`,
        better: 'lower',
      },
    ];
    return figures;
  },
};
