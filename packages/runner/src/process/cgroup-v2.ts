import { readFileSync } from 'node:fs';
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
