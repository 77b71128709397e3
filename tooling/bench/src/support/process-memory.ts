import { readFileSync } from 'node:fs';

/**
 * Resident memory of a live process from /proc (Linux): `current` is VmRSS, `peak` is VmHWM,
 * the most it has held since it started. Bytes.
 */
export function processMemory(pid: number): { current: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) * 1024;
  };
  return { current: field('VmRSS'), peak: field('VmHWM') };
}
