import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2Of } from './cgroup-v2.js';

/**
 * A new cgroup v2 directory under this process's own cgroup, for one test (the test removes it);
 * undefined where this process may not create one (no cgroup v2, or no rights).
 */
export function scratchCgroup(name: string): { directory: string; path: string } | undefined {
  const own = cgroupV2Of('self');
  if (own === undefined) return undefined;
  const path = join(own.path, `claudine-test-${process.pid}-${name}`);
  const directory = join(own.mount, path);
  try {
    mkdirSync(directory);
    return { directory, path };
  } catch {
    return undefined;
  }
}

/** Whether this process may create cgroups: tests that need one run only then. */
export function canCreateCgroups(): boolean {
  const probe = scratchCgroup('probe');
  if (probe === undefined) return false;
  rmdirSync(probe.directory);
  return true;
}
