import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResourceUsage } from './resource-usage.js';
import type { TaskSampler } from './task-sampler.js';

/** A script in test-fixtures, as an argument for `node`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));
}

/** `node` as a shell word, for commands built in tests. */
export const node = JSON.stringify(process.execPath);

/** What GNU time (`/usr/bin/time -v`) reported for a command. */
export interface GnuTimeFigures {
  readonly userMs: number;
  readonly systemMs: number;
  readonly maxResidentBytes: number;
  /** 512-byte blocks. */
  readonly fileSystemInputs: number;
  readonly fileSystemOutputs: number;
}

/** The path of GNU time; .ci/run installs it where it is missing. */
export const GNU_TIME = '/usr/bin/time';

/**
 * Runs `sh -c command` under `/usr/bin/time -v` and returns its figures. Throws, saying how to
 * install it, when GNU time is missing.
 */
export function runWithGnuTime(command: string, cwd: string): Promise<GnuTimeFigures> {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} is missing: install GNU time (apt-get install time) to run the accuracy tests`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-v', '/bin/sh', '-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const field = (label: string): number => {
        const match = new RegExp(`${label}: ([\\d.]+)`).exec(stderr);
        if (match === null) throw new Error(`GNU time printed no "${label}" (exit ${code}):\n${stderr}`);
        return Number(match[1]);
      };
      try {
        resolve({
          userMs: field('User time \\(seconds\\)') * 1000,
          systemMs: field('System time \\(seconds\\)') * 1000,
          maxResidentBytes: field('Maximum resident set size \\(kbytes\\)') * 1024,
          fileSystemInputs: field('File system inputs'),
          fileSystemOutputs: field('File system outputs'),
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/**
 * Runs `sh -c command` the way the runner does (a new session, spawned inside the sampler's
 * scope and tracked at once), waits for it to exit, and returns the sampler's final figures.
 */
export async function runMeasured(sampler: TaskSampler, key: string, command: string, cwd: string): Promise<ResourceUsage> {
  const child = startMeasured(sampler, key, command, cwd);
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  return sampler.finish(key);
}

/** Starts `sh -c command` as a measured task without waiting for it. */
export function startMeasured(sampler: TaskSampler, key: string, command: string, cwd: string): ChildProcess {
  return sampler.spawnScope(key, () => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, detached: true, stdio: 'ignore' });
    if (child.pid !== undefined) sampler.track(key, child.pid, Date.now());
    return child;
  });
}

/** True when `actual` is within `fraction` of `expected`, plus `slack` (for tiny values). */
export function isWithin(actual: number, expected: number, fraction: number, slack = 0): boolean {
  return Math.abs(actual - expected) <= expected * fraction + slack;
}
