// W6: a script hands 1,000 trivial tasks over at once (`claudine run --batch -`) and they run at
// concurrency 2, against task-spooler's `tsp true` loop in the same run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Benchmark, Figure } from '../harness.js';
import { median } from '../harness.js';
import { startBenchHost } from '../support/bench-host.js';

const CLI = fileURLToPath(new URL('../../../../apps/cli/dist/bin.js', import.meta.url));
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

const BATCH = `${'{"prompt":"true","agent":"command"}\n'.repeat(COUNT)}`;

export const batchHandover: Benchmark = {
  name: 'batch-handover',
  description: `W6: ${COUNT.toLocaleString('en-US')} trivial command tasks (\`true\`) handed over by a script through \`claudine run --batch -\` (the built CLI, one process) to a running host at concurrency ${CONCURRENCY}, from the start of the hand-over to the last task finished (the host's finished_at), median of ${ROUNDS}; also the same with no host running (the CLI starts it). Baseline: task-spooler's \`tsp true\` loop (a shell loop, server started with \`tsp -S ${CONCURRENCY}\` beforehand, then \`tsp -w\` on the last two jobs) in the same run, rounds interleaved. Target: at least half of tsp's rate.`,
  async run({ scratch, log }) {
    if (!existsSync(TSP)) throw new Error(`${TSP} is missing: install task-spooler (apt-get install task-spooler)`);
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm run build)`);
    const warm: Round[] = [];
    const cold: Round[] = [];
    const baseline: Round[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      baseline.push(await tspRound(join(scratch, `tsp-${round}`)));

      // A running host: started first, as a user's host is up while they work.
      const home = join(scratch, `warm-${round}`);
      const settings = { CLAUDINE_CONCURRENCY: String(CONCURRENCY) };
      const host = await startBenchHost(home, settings, scratch);
      const db = new Database(join(home, 'claudine.db'), { readonly: true });
      try {
        const env = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_HOST_IDLE_EXIT: '30m', ...settings };
        const started = Date.now();
        const ids = (await run(process.execPath, [CLI, 'run', '--batch', '-'], { env, cwd: scratch, input: BATCH })).trim().split('\n');
        const handedOverMs = Date.now() - started;
        if (ids.length !== COUNT) throw new Error(`run --batch printed ${ids.length} ids, not ${COUNT}`);
        warm.push({ handedOverMs, ms: (await waitForFinish(db, COUNT)) - started });
      } finally {
        db.close();
        await host.stop();
      }

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
      log(
        `round ${round + 1}: tsp ${show(baseline[round])}; claudine, host running: ${show(warm[round])}; host started by the CLI: ${show(cold[round])}`,
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
