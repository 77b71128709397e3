import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Benchmark, type Figure, median } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';

const REPEATS = 15;
const TASKS = 50;
const cliBin = fileURLToPath(new URL('../../../../apps/cli/bin/claudine.cjs', import.meta.url));
const cliUnbundled = fileURLToPath(new URL('../../../../apps/cli/dist/bin.js', import.meta.url));
const mcpBin = fileURLToPath(new URL('../../../../apps/mcp/bin/claudine-mcp.cjs', import.meta.url));

// Loaded into every measured process (the baseline too) with --require: at exit it appends the
// process's own CPU time, in microseconds, to the file the environment names. Node cannot read
// a child's resource usage once it has been reaped, and /proc counts in 10 ms ticks.
const REPORTER = `'use strict';
const { appendFileSync } = require('node:fs');
process.on('exit', () => {
  const usage = process.cpuUsage();
  appendFileSync(process.env.CLAUDINE_BENCH_CPU_FILE, process.pid + ' ' + (usage.user + usage.system) + '\\n');
});
`;

// The goal of each command's CPU time against the baseline's; the others are shown for reference.
const TARGETS: Readonly<Record<string, string>> = {
  'claudine ls': '<= 1.5x baseline',
  'claudine status ID': '<= 1.5x baseline',
  'claudine run -- true': '<= 1.5x baseline',
  'claudine logs ID --tail 20': '<= 1.5x baseline',
  'MCP server start': 'kept low',
};

/** One run of a command: its CPU time (user + system) and wall time, in ms. */
interface Sample {
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** What is measured, and how: argv after `node`, and for the MCP server the bytes it is sent. */
interface Subject {
  readonly label: string;
  readonly args: readonly string[];
  /** Sent on stdin; the run ends once a line of stdout holds `"id":1`, then stdin is closed. */
  readonly initialize?: string;
}

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
})}\n`;

/**
 * Runs `node <reporter> <args>` once. Wall time is to the exit, or for the MCP server to its
 * answer to `initialize` (what a client waits for); CPU time is the whole process's.
 */
function runOnce(subject: Subject, reporter: string, cpuFile: string, environment: NodeJS.ProcessEnv, cwd: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', reporter, ...subject.args], {
      env: { ...environment, CLAUDINE_BENCH_CPU_FILE: cpuFile },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let wallMs: number | undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (subject.initialize !== undefined && wallMs === undefined && stdout.includes('"id":1')) {
        wallMs = performance.now() - started;
        child.stdin.end();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    if (subject.initialize === undefined) child.stdin.end();
    else child.stdin.write(subject.initialize);
    child.on('error', reject);
    child.on('close', (code) => {
      const ended = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`${subject.label} exited with ${code}: ${stderr.trim()}`));
        return;
      }
      const line = readFileSync(cpuFile, 'utf8')
        .split('\n')
        .find((entry) => entry.startsWith(`${child.pid} `));
      if (line === undefined) {
        reject(new Error(`${subject.label} reported no CPU time`));
        return;
      }
      resolve({ cpuMs: Number(line.split(' ')[1]) / 1000, wallMs: wallMs ?? ended });
    });
  });
}

/**
 * CPU and wall time of the commands people type all day, against a bare `node -e ''` measured
 * in the same rounds: each round runs every subject once, one after another, so load on the
 * machine weighs on all of them alike.
 */
export const cliLatency: Benchmark = {
  name: 'cli-latency',
  description: `CPU time (user + system) and wall time of one CLI command, median of ${REPEATS} rounds; each round runs every command once, in turn, with the baseline \`node -e ''\`. Data directory with ${TASKS} finished command tasks and a host running; \`run -- true\` only submits (no --wait). MCP server: spawn to its answer to \`initialize\` (wall), the whole process (CPU). The unbundled CLI (tsc's dist/bin.js) is shown for comparison.`,
  async run({ scratch, log }) {
    const workdir = benchWorkdir(scratch);
    const home = join(scratch, 'home');
    const reporter = join(scratch, 'report-cpu.cjs');
    writeFileSync(reporter, REPORTER);
    const cpuFile = join(scratch, 'cpu.txt');
    const host = await startBenchHost(home, {}, workdir);
    try {
      const tasks = await host.runAll(Array.from({ length: TASKS }, (_, index) => `seq 1 ${100 + index}`));
      const id = (tasks.at(-1) as (typeof tasks)[number]).id;
      const environment = { ...process.env, CLAUDINE_HOME: home };
      const subjects: Subject[] = [
        { label: "node -e ''", args: ['-e', ''] },
        { label: 'claudine ls', args: [cliBin, 'ls'] },
        { label: 'claudine status ID', args: [cliBin, 'status', id] },
        { label: 'claudine run -- true', args: [cliBin, 'run', '--agent', 'command', '--', 'true'] },
        { label: 'claudine logs ID --tail 20', args: [cliBin, 'logs', id, '--tail', '20'] },
        { label: 'MCP server start', args: [mcpBin], initialize: INITIALIZE },
        { label: 'claudine ls (unbundled)', args: [cliUnbundled, 'ls'] },
      ];
      // One round first, unmeasured: it fills the page cache (and the compile cache, where Node has one).
      for (const subject of subjects) await runOnce(subject, reporter, cpuFile, environment, workdir);
      const samples = new Map<string, Sample[]>(subjects.map((subject) => [subject.label, []]));
      for (let round = 0; round < REPEATS; round += 1) {
        rmSync(cpuFile, { force: true });
        for (const subject of subjects) samples.get(subject.label)?.push(await runOnce(subject, reporter, cpuFile, environment, workdir));
      }
      const baseline = samples.get("node -e ''") ?? [];
      const baselineCpu = median(baseline.map((sample) => sample.cpuMs));
      const baselineWall = median(baseline.map((sample) => sample.wallMs));
      const figures: Figure[] = [];
      for (const subject of subjects.slice(1)) {
        const measured = samples.get(subject.label) ?? [];
        const cpu = median(measured.map((sample) => sample.cpuMs));
        log(`${subject.label}: CPU ${measured.map((sample) => sample.cpuMs.toFixed(0)).join(', ')} ms`);
        figures.push(
          {
            metric: `${subject.label}, CPU time`,
            value: cpu,
            unit: 'ms',
            baseline: baselineCpu,
            baselineLabel: "node -e ''",
            target: TARGETS[subject.label] === undefined ? '' : `${TARGETS[subject.label]} (${(cpu / baselineCpu).toFixed(2)}x)`,
            better: 'lower',
          },
          {
            metric: `${subject.label}, wall time`,
            value: median(measured.map((sample) => sample.wallMs)),
            unit: 'ms',
            baseline: baselineWall,
            baselineLabel: "node -e ''",
            better: 'lower',
          },
        );
      }
      return figures;
    } finally {
      await host.stop();
    }
  },
};
