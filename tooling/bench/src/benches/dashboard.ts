import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NewTaskInput } from '@claudine/core';
import { openClaudine } from '@claudine/runtime';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { type Benchmark, type Figure, median, percentile } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';
import { processCpuMs } from '../support/cpu-time.js';

const TASKS = 100_000;
const SMALL_STORE = 100;
const PAGE_LOADS = 7;
const LOG_LINES = 20;
const IDLE_MS = 20_000;
const webBin = fileURLToPath(new URL('../../../../apps/web/bin/claudine-web.js', import.meta.url));
// The dashboard's own browser launcher (Debian's chromium, playwright-core, a fresh profile),
// loaded from the app so the bench starts chromium exactly as its tests do.
const chromiumModule = pathToFileURL(fileURLToPath(new URL('../../../../apps/web/scripts/chromium.mjs', import.meta.url))).href;

interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

// What the page's script sees, for the functions evaluated in it (this package has no DOM types).
interface PageWindow {
  seen: Record<string, number>;
  readonly document: { querySelector(selector: string): PageElement | null };
  readonly MutationObserver: new (callback: () => void) => { observe(target: PageElement, options: Record<string, boolean>): void };
}
interface PageElement {
  readonly textContent: string | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/**
 * The dashboard's three figures, through the built server and a real chromium: the tasks page's
 * first screen with 100,000 tasks in the store, a task's printed line reaching an open task
 * page, and the server's CPU while a page is open and nothing happens.
 */
export const dashboard: Benchmark = {
  name: 'dashboard',
  description: `The built dashboard (\`claudine-web\`) in headless chromium. First screen: from navigation to the 50th row of the tasks table, median of ${PAGE_LOADS} loads, with ${TASKS.toLocaleString('en-US')} tasks in the store (90% completed, 5% failed, 5% queued), against the same page with ${SMALL_STORE} tasks. Log line: from the line's capture time (as the runner stored it) to its row in an open task page, ${LOG_LINES} lines printed 300 ms apart, against \`claudine.followOutput\` in the bench process. Idle: the server's CPU over ${IDLE_MS / 1000} s with the tasks page open and nothing happening, against an idle \`node\` process over the same time.`,
  async run({ scratch, log }) {
    const { launchChromium } = (await import(chromiumModule)) as { launchChromium(): Promise<Browser> };
    const browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const figures: Figure[] = [];
    try {
      const small = await seedStore(join(scratch, 'small'), SMALL_STORE);
      const large = await seedStore(join(scratch, 'large'), TASKS);
      log(`seeded ${TASKS.toLocaleString('en-US')} tasks`);
      const smallServer = await startServer(small);
      const largeServer = await startServer(large);
      try {
        const firstScreen = async (server: Server, query: string): Promise<number[]> => {
          await signIn(page, server);
          const samples: number[] = [];
          for (let index = 0; index < PAGE_LOADS; index += 1) {
            await page.goto('about:blank');
            const started = Date.now();
            await page.goto(`${server.origin}/tasks${query}`);
            await page.locator('tbody tr').nth(49).waitFor({ timeout: 60_000 });
            samples.push(Date.now() - started);
          }
          return samples;
        };
        const baseline = median(await firstScreen(smallServer, ''));
        const newest = await firstScreen(largeServer, '');
        const longest = await firstScreen(largeServer, '?sort=duration');
        log(`first screen: newest ${newest.join(', ')} ms; by duration ${longest.join(', ')} ms; ${SMALL_STORE} tasks ${baseline} ms`);
        figures.push(
          {
            metric: `tasks page first screen, ${TASKS.toLocaleString('en-US')} tasks, newest first`,
            value: median(newest),
            unit: 'ms',
            baseline,
            baselineLabel: `${SMALL_STORE} tasks`,
            target: '< 1 s',
            better: 'lower',
          },
          {
            metric: `tasks page first screen, ${TASKS.toLocaleString('en-US')} tasks, longest run first`,
            value: median(longest),
            unit: 'ms',
            baseline,
            baselineLabel: `${SMALL_STORE} tasks`,
            target: '< 1 s',
            better: 'lower',
          },
        );
      } finally {
        await smallServer.stop();
        await largeServer.stop();
      }

      // A line printed by a task, to the open page.
      const home = join(scratch, 'live');
      const workdir = benchWorkdir(scratch);
      const host = await startBenchHost(home, {}, workdir);
      const server = await startServer(home);
      try {
        const script = `sleep 1; for i in $(seq 1 ${LOG_LINES}); do echo "mark-$i"; sleep 0.3; done`;
        const { task } = await host.claudine.submit({ prompt: script, agent: 'command', cwd: workdir });
        await signIn(page, server);
        await page.goto(`${server.origin}/tasks/${task.id}`);
        await page.getByTestId('log').waitFor({ timeout: 60_000 });
        // The page notes when each line shows up (the page's clock is this machine's).
        await page.evaluate(() => {
          const view = globalThis as unknown as PageWindow;
          view.seen = {};
          const log = view.document.querySelector('[data-testid=log]') as PageElement;
          const look = (): void => {
            for (const line of log.querySelectorAll('.log-line')) {
              const mark = /^mark-(\d+)$/.exec(line.textContent ?? '')?.[1];
              if (mark !== undefined && !(mark in view.seen)) view.seen[mark] = Date.now();
            }
          };
          new view.MutationObserver(look).observe(log, { childList: true, subtree: true, characterData: true });
          look();
        });
        const followed = new Map<string, number>();
        await host.claudine.followOutput(task.id, (records) => {
          for (const record of records)
            for (const match of record.text.matchAll(/mark-(\d+)/g)) followed.set(match[1] as string, Date.now());
        });
        await page.waitForFunction((lines) => Object.keys((globalThis as unknown as PageWindow).seen).length >= lines, LOG_LINES, {
          timeout: 30_000,
        });
        const seen = await page.evaluate(() => (globalThis as unknown as PageWindow).seen);
        const captured = new Map<string, number>();
        let offset = 0;
        for (;;) {
          const slice = await host.claudine.output.read(task.id, { offset, streams: ['stdout'] });
          for (const record of slice.records)
            for (const match of record.text.matchAll(/mark-(\d+)/g)) captured.set(match[1] as string, record.time);
          offset = slice.nextOffset;
          if (slice.atEnd) break;
        }
        const pageLag = [...captured].map(([mark, time]) => (seen[mark] ?? Number.NaN) - time);
        const followLag = [...captured].map(([mark, time]) => (followed.get(mark) ?? Number.NaN) - time);
        log(`line to page: ${pageLag.join(', ')} ms; followOutput: ${followLag.join(', ')} ms`);
        for (const [label, samples] of [
          ['median', 50],
          ['p95', 95],
        ] as const) {
          figures.push({
            metric: `printed line to open task page, ${label}`,
            value: percentile(pageLag, samples),
            unit: 'ms',
            baseline: percentile(followLag, samples),
            baselineLabel: 'followOutput in process',
            target: '< 1 s',
            better: 'lower',
          });
        }

        // Nothing happens: the page stays open on the tasks table.
        await page.goto(`${server.origin}/tasks`);
        await page.locator('tbody tr').first().waitFor({ timeout: 60_000 });
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const serverBefore = processCpuMs(server.pid);
        const idleBefore = processCpuMs(idle.pid as number);
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
        const serverCpu = ((processCpuMs(server.pid) - serverBefore) / IDLE_MS) * 100;
        const idleCpu = ((processCpuMs(idle.pid as number) - idleBefore) / IDLE_MS) * 100;
        idle.kill();
        log(`idle: server ${serverCpu.toFixed(3)}% of a core, bare node ${idleCpu.toFixed(3)}%`);
        figures.push({
          metric: `server CPU, page open, nothing happening (${IDLE_MS / 1000} s)`,
          value: serverCpu,
          unit: '% of a core',
          baseline: idleCpu,
          baselineLabel: 'idle node process',
          target: 'near zero',
          better: 'lower',
        });
      } finally {
        await server.stop();
        await host.stop();
      }
    } finally {
      await browser.close();
    }
    return figures;
  },
};

async function signIn(page: Page, server: Server): Promise<void> {
  await page.goto(server.signInUrl);
  await page.locator('tbody tr').first().waitFor({ timeout: 60_000 });
}

interface Server {
  readonly origin: string;
  readonly signInUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startServer(home: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [webBin, '--port', '0'], {
    env: { ...process.env, CLAUDINE_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const signInUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /Claudine dashboard: (\S+)/.exec(output);
      if (match !== null) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`claudine-web exited with ${code} before listening`)));
  });
  return {
    origin: new URL(signInUrl).origin,
    signInUrl,
    pid: child.pid as number,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A data directory with `count` tasks: most finished (completed or failed), some queued. */
async function seedStore(home: string, count: number): Promise<string> {
  const workdir = join(home, '..', 'seed-work');
  mkdirSync(workdir, { recursive: true });
  const claudine = openClaudine({ home, environment: { CLAUDINE_HOME: home }, autoStartHost: false });
  const path = claudine.layout.database;
  try {
    for (let start = 0; start < count; start += 1000) {
      const batch: NewTaskInput[] = [];
      for (let index = start; index < Math.min(count, start + 1000); index += 1) {
        batch.push({
          prompt: `Task ${index}: refactor module ${index % 97} and update its tests`,
          agent: index % 3 === 0 ? 'claude' : 'command',
          cwd: workdir,
          labels: [`batch-${index % 10}`],
        });
      }
      await claudine.submitMany(batch);
    }
  } finally {
    claudine.close();
  }
  // Finishing 100,000 tasks through a host would take minutes and measure the host: the rows
  // are set to finished states directly, as a store that has run them holds them.
  const database = new Database(path);
  try {
    database
      .prepare(
        `UPDATE tasks SET status = CASE WHEN seq % 20 = 0 THEN 'failed' ELSE 'completed' END,
           failure_reason = CASE WHEN seq % 20 = 0 THEN 'exit_code' END, exit_code = CASE WHEN seq % 20 = 0 THEN 1 ELSE 0 END,
           attempt = 1, started_at = created_at, finished_at = created_at + (seq % 600) * 1000 + 500
         WHERE seq % 20 != 1`,
      )
      .run();
  } finally {
    database.close();
  }
  return home;
}
