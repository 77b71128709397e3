import { constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a process is in the cgroup v2 hierarchy: the hierarchy's mount point, the process's
 * path in it (`0::<path>` in /proc/<pid>/cgroup) and the directory that joins them. Undefined
 * without a cgroup v2 mount, or when the process is gone.
 */
export function cgroupV2Of(pid: number | 'self'): { mount: string; path: string; directory: string } | undefined {
  try {
    const mount = readFileSync('/proc/self/mounts', 'latin1')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[2] === 'cgroup2')?.[1];
    const path = readFileSync(`/proc/${pid}/cgroup`, 'latin1')
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
    return mount === undefined || path === undefined ? undefined : { mount, path, directory: join(mount, path) };
  } catch {
    return undefined;
  }
}

/**
 * A cgroup's directory (`what: 'directory'`, for creating a process in it) or its
 * `cgroup.procs` file (`'procs'`, open for writing, for moving one there), or null if it cannot
 * be opened: a cgroup that cannot be entered costs only exact accounting, never the task. The
 * host has normally created the cgroup already; if not, it is created here, but not its
 * parents: the host made those, and Node 20's recursive mkdir never returns where mkdir fails
 * with ENOENT under an existing parent (as under /proc).
 */
export function openCgroup(cgroup: string, what: 'directory' | 'procs'): number | null {
  const open = (): number =>
    what === 'procs' ? openSync(join(cgroup, 'cgroup.procs'), 'w') : openSync(cgroup, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return open();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
  }
  try {
    mkdirSync(cgroup);
    return open();
  } catch {
    return null;
  }
}
