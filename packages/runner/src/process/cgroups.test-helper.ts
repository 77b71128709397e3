import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@claudine/test-utils';
import { cgroupProcesses, killCgroup, type RunCgroups } from './run-cgroups.js';

/** Where this process is in the cgroup v2 hierarchy; undefined without one. */
export function ownCgroup(): { mount: string; path: string } | undefined {
  try {
    const mount = readFileSync('/proc/self/mounts', 'latin1')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[2] === 'cgroup2')?.[1];
    const path = readFileSync('/proc/self/cgroup', 'latin1')
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
    return mount === undefined || path === undefined ? undefined : { mount, path };
  } catch {
    return undefined;
  }
}

/**
 * A new cgroup v2 directory under this process's own cgroup, for one test (the test removes it);
 * undefined where this process may not create one (no cgroup v2, or no rights).
 */
export function scratchCgroup(name: string): { directory: string; path: string } | undefined {
  const own = ownCgroup();
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

/** {@link RunCgroups} for tests: a scratch cgroup per run, each killed and removed by `dispose`. */
export function scratchRunCgroups(name: string): RunCgroups & { readonly given: string[]; dispose(): Promise<void> } {
  const given: string[] = [];
  return {
    given,
    reserve(taskId) {
      const cgroup = scratchCgroup(`${name}-${taskId}-${given.length}`);
      if (cgroup !== undefined) given.push(cgroup.directory);
      return cgroup?.directory;
    },
    async dispose() {
      for (const directory of given) {
        killCgroup(directory);
        await waitFor(() => cgroupProcesses(directory).length === 0, { description: `the processes in ${directory} to go` });
        try {
          rmdirSync(directory);
        } catch (error) {
          // Another host's start on this machine removes empty `claudine-*` groups it finds.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    },
  };
}
