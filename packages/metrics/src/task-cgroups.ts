import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CPU time a cgroup has used, every process that was ever in it included, in microseconds. */
export interface CgroupCpu {
  readonly userMicroseconds: number;
  readonly systemMicroseconds: number;
}

/**
 * The cgroup of one task (cgroup v2, no controllers enabled, so it limits nothing). The task's
 * first process enters it before it runs (whoever starts it puts it there), its processes
 * cannot leave it without privileges, and the kernel keeps counting their CPU time after they
 * exit.
 */
export interface TaskCgroup {
  /** Its directory. */
  readonly path: string;
  /** Pids of the processes in the cgroup now. */
  processIds(): number[] | undefined;
  /** CPU time of the processes of this task (a reused cgroup's earlier use left out). */
  cpu(): CgroupCpu | undefined;
  /**
   * Gives the cgroup up if it is empty (kept for a later task, or removed); true when it is no
   * longer this task's. False while a process of the task still lives in it. `knownEmpty`: the
   * caller read {@link TaskCgroup.processIds} just now and found none; nothing can enter an
   * empty group of a task from outside, so it is not read again.
   */
  remove(knownEmpty?: boolean): boolean;
}

/**
 * Task cgroups under the host's own cgroup. Creating and removing a cgroup costs the kernel
 * much more than reading one (for a trivial task, a fair part of what the host spends on it), so
 * empty ones are kept and handed to later tasks, with their CPU counters read at hand-over.
 */
export interface TaskCgroups {
  /** An empty cgroup for a task; undefined when none could be created. */
  create(): TaskCgroup | undefined;
  /** Removes this host's empty cgroups. */
  close(): void;
}

// Empty cgroups kept for reuse; more than this many idle ones are removed.
const MAX_SPARE_GROUPS = 32;

/** Whether task cgroups can be used here, and why not. */
export type TaskCgroupsOutcome = { readonly ok: true; readonly cgroups: TaskCgroups } | { readonly ok: false; readonly reason: string };

const OWN_GROUP_PREFIX = 'claudine-';

/**
 * Opens task cgroups in the cgroup v2 hierarchy, as children of the cgroup this process runs in
 * (which works as root, and for a user wherever systemd delegated the cgroup, as it does for
 * user sessions). Probes that a process of this one's cgroup may be moved into one (this
 * process moves itself in and back, which takes the same rights as a task's process moving
 * from here into its cgroup); when it may not (no cgroup v2 mounted, not delegated,
 * read-only), says why. Empty groups left by hosts that
 * died are removed.
 */
export function openTaskCgroups(options: { readonly name: string }): TaskCgroupsOutcome {
  if (process.platform !== 'linux') return { ok: false, reason: 'cgroups exist only on Linux' };
  const mount = cgroup2Mount();
  if (mount === undefined) return { ok: false, reason: 'no cgroup v2 hierarchy is mounted' };
  const own = ownCgroup();
  if (own === undefined) return { ok: false, reason: 'this process is in no cgroup v2 group' };
  const base = join(mount, own);
  removeStaleGroups(base);
  const parent = join(base, `${OWN_GROUP_PREFIX}${options.name}`);
  const probe = join(parent, 'probe');
  try {
    mkdirSync(probe, { recursive: true });
    moveSelf(probe);
    moveSelf(base);
    rmdirSync(probe);
  } catch (error) {
    try {
      moveSelf(base);
    } catch {
      // We never left, or cannot come back: either way there is nothing more to do.
    }
    tryRemove(probe);
    tryRemove(parent);
    return {
      ok: false,
      reason: `the host may not manage cgroups under ${base} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    };
  }
  const created = new Set<string>();
  const spare: string[] = [];
  const giveBack = (path: string): boolean => {
    if (spare.length < MAX_SPARE_GROUPS) {
      spare.push(path);
      return true;
    }
    const removed = tryRemove(path);
    if (removed) created.delete(path);
    return removed;
  };
  return {
    ok: true,
    cgroups: {
      create() {
        for (let reused = spare.pop(); reused !== undefined; reused = spare.pop()) {
          const baseline = readCpu(reused);
          if (baseline !== undefined) return createTaskCgroup(reused, baseline, giveBack);
          // Unreadable (removed behind our back?): not worth keeping.
          if (tryRemove(reused)) created.delete(reused);
        }
        // Unique, and created here and nowhere else: hosts in one process share the parent,
        // and another host's start removes empty groups, so a name must never come back.
        const path = join(parent, `task-${randomBytes(6).toString('hex')}`);
        try {
          mkdirSync(path, { recursive: true });
        } catch {
          return undefined;
        }
        created.add(path);
        return createTaskCgroup(path, ZERO_CPU, giveBack);
      },
      close() {
        spare.length = 0;
        for (const path of created) if (tryRemove(path)) created.delete(path);
        tryRemove(parent);
      },
    },
  };
}

const ZERO_CPU: CgroupCpu = { userMicroseconds: 0, systemMicroseconds: 0 };

function readCpu(path: string): CgroupCpu | undefined {
  try {
    const text = readFileSync(join(path, 'cpu.stat'), 'latin1');
    const user = /^user_usec (\d+)$/m.exec(text);
    const system = /^system_usec (\d+)$/m.exec(text);
    if (user === null || system === null) return undefined;
    return { userMicroseconds: Number(user[1]), systemMicroseconds: Number(system[1]) };
  } catch {
    return undefined;
  }
}

function createTaskCgroup(path: string, baseline: CgroupCpu, giveBack: (path: string) => boolean): TaskCgroup {
  let released = false;
  const processIds = (): number[] | undefined => {
    try {
      const text = readFileSync(join(path, 'cgroup.procs'), 'latin1');
      return text === '' ? [] : text.trimEnd().split('\n').map(Number);
    } catch {
      return undefined;
    }
  };
  return {
    path,
    processIds,
    cpu() {
      const total = readCpu(path);
      if (total === undefined) return undefined;
      return {
        userMicroseconds: Math.max(0, total.userMicroseconds - baseline.userMicroseconds),
        systemMicroseconds: Math.max(0, total.systemMicroseconds - baseline.systemMicroseconds),
      };
    },
    remove(knownEmpty = false) {
      if (released) return true;
      // A process of the task still in it keeps it (no rmdir would succeed either).
      const members = knownEmpty ? [] : processIds();
      if (members === undefined) {
        released = tryRemove(path);
        return released;
      }
      if (members.length > 0) return false;
      released = giveBack(path);
      return released;
    },
  };
}

function moveSelf(directory: string): void {
  writeFileSync(join(directory, 'cgroup.procs'), String(process.pid));
}

function tryRemove(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

// Groups of hosts that died: their processes are gone (recovery kills them), so the groups are
// empty and rmdir succeeds; a live host's busy group refuses, and its empty ones are recreated
// on demand.
function removeStaleGroups(base: string): void {
  let entries: string[];
  try {
    entries = readdirSync(base).filter((entry) => entry.startsWith(OWN_GROUP_PREFIX));
  } catch {
    return;
  }
  for (const entry of entries) {
    const parent = join(base, entry);
    try {
      for (const child of readdirSync(parent, { withFileTypes: true })) if (child.isDirectory()) tryRemove(join(parent, child.name));
    } catch {
      // Gone already.
    }
    tryRemove(parent);
  }
}

function cgroup2Mount(): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0 || !line.slice(separator + 3).startsWith('cgroup2 ')) continue;
    return line.split(' ')[4];
  }
  return undefined;
}

function ownCgroup(): string | undefined {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('0::'));
    return line?.slice(3);
  } catch {
    return undefined;
  }
}
