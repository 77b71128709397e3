import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceUsage } from './resource-usage.js';
import type { TaskSampler } from './task-sampler.js';

/** A script in test-fixtures, as an argument for `node`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));
}

/** `node` as a shell word, for commands built in tests. */
export const node = JSON.stringify(process.execPath);

/** What a reference measurement reported for a command. */
export interface ReferenceFigures {
  /** `GNU time` (`/usr/bin/time -v`) where it is installed, else `kernel counters`. */
  readonly source: 'GNU time' | 'kernel counters';
  readonly userMs: number;
  readonly systemMs: number;
  readonly maxResidentBytes: number;
  /** 512-byte blocks written to storage. */
  readonly fileSystemOutputs: number;
}

/** The path of GNU time, used as the reference where it is installed. */
export const GNU_TIME = '/usr/bin/time';

/** What the command is known to do, for the kernel-counter reference (GNU time measures it). */
export interface ReferenceHints {
  /** Bytes the command writes and syncs to storage. */
  readonly writtenBytes?: number;
}

/**
 * Measures `sh -c command` independently of the sampler: with GNU time (`/usr/bin/time -v`)
 * where it is installed; elsewhere with the kernel's own counters, read by a wrapper process
 * (the CPU time of everything it waited for, from /proc/self/stat; the peak resident size each
 * memory-holding fixture reads from its own VmHWM; for writes, the bytes the command is known to
 * sync). Both are what the kernel charged, so the tests hold the sampler to either.
 */
export function measureReference(command: string, cwd: string, hints: ReferenceHints = {}): Promise<ReferenceFigures> {
  if (existsSync(GNU_TIME)) return runWithGnuTime(command, cwd);
  return new Promise((resolve, reject) => {
    const hwmFile = join(cwd, `.hwm-${process.pid}-${Date.now()}`);
    const child = spawn(process.execPath, [fixture('reference-usage.mjs'), command, hwmFile], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      try {
        const figures = JSON.parse(stdout) as { userMs: number; systemMs: number; maxResidentBytes: number };
        resolve({ source: 'kernel counters', ...figures, fileSystemOutputs: (hints.writtenBytes ?? 0) / 512 });
      } catch (error) {
        reject(error);
      }
    });
  });
}

function runWithGnuTime(command: string, cwd: string): Promise<ReferenceFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-v', '/bin/sh', '-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(parseGnuTime(stderr, code));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseGnuTime(report: string, code: number | null): ReferenceFigures {
  const field = (label: string): number => {
    const match = new RegExp(`${label}: ([\\d.]+)`).exec(report);
    if (match === null) throw new Error(`GNU time printed no "${label}" (exit ${code}):\n${report}`);
    return Number(match[1]);
  };
  return {
    source: 'GNU time',
    userMs: field('User time \\(seconds\\)') * 1000,
    systemMs: field('System time \\(seconds\\)') * 1000,
    maxResidentBytes: field('Maximum resident set size \\(kbytes\\)') * 1024,
    fileSystemOutputs: field('File system outputs'),
  };
}

/**
 * Runs `sh -c command` the way the runner does (a new session, entering the task's cgroup
 * before it execs, tracked at once), waits for it to exit, and returns the sampler's final
 * figures.
 */
export async function runMeasured(sampler: TaskSampler, key: string, command: string, cwd: string): Promise<ResourceUsage> {
  const child = startMeasured(sampler, key, command, cwd);
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  return sampler.finish(key);
}

/**
 * Starts `sh -c command` as a measured task without waiting for it. Where the sampler gives the
 * task a cgroup, the child moves itself there and then execs, as the runner's agents do.
 */
export function startMeasured(sampler: TaskSampler, key: string, command: string, cwd: string): ChildProcess {
  const cgroup = sampler.reserveCgroup(key);
  const argv =
    cgroup === undefined ? ['-c', command] : ['-c', 'echo $$ > "$0"; exec "$@"', join(cgroup, 'cgroup.procs'), '/bin/sh', '-c', command];
  const child = spawn('/bin/sh', argv, { cwd, detached: true, stdio: 'ignore' });
  if (child.pid !== undefined) sampler.track(key, child.pid, Date.now());
  return child;
}

/**
 * Runs `command` as a measured task under GNU time (`/usr/bin/time -v -o <file>`), so that the
 * sampler and the reference measure the same run: two runs of one command differ by more than
 * the tolerance on a loaded machine. The sampler also sees GNU time's own process, whose CPU time
 * is a millisecond or two. Without GNU time, the reference is a second run.
 */
export async function runMeasuredAgainstReference(
  sampler: TaskSampler,
  key: string,
  command: string,
  cwd: string,
): Promise<{ usage: ResourceUsage; reference: ReferenceFigures }> {
  const referenced = referencedCommand(command, cwd, key);
  const usage = await runMeasured(sampler, key, referenced.command, cwd);
  return { usage, reference: await referenced.reference() };
}

/**
 * `command` wrapped so that running it also measures it (under GNU time, its report in a file),
 * and how to read that measurement once it has run. Without GNU time the command is left as it
 * is and the reference is a second run of it.
 */
export function referencedCommand(command: string, cwd: string, key: string): { command: string; reference(): Promise<ReferenceFigures> } {
  if (!existsSync(GNU_TIME)) return { command, reference: () => measureReference(command, cwd) };
  const report = join(cwd, `.time-${process.pid}-${key}`);
  return {
    command: `${GNU_TIME} -v -o ${shellWord(report)} /bin/sh -c ${shellWord(command)}`,
    reference: async () => parseGnuTime(readFileSync(report, 'utf8'), null),
  };
}

function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** True when `actual` is within `fraction` of `expected`, plus `slack` (for tiny values). */
export function isWithin(actual: number, expected: number, fraction: number, slack = 0): boolean {
  return Math.abs(actual - expected) <= expected * fraction + slack;
}
