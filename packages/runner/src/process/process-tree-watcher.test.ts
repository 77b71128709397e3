import type { ProcessIdentity } from '@claudine/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProcessSource, ProcessStatus } from './process-status.js';
import { createProcessTreeWatcher, type ProcessTreeWatcher } from './process-tree-watcher.js';

// A process table the test edits by hand; start-time tokens are `start-<order>`.
interface FakeProcess {
  parent: number;
  group?: number;
  session?: number;
  start: number;
  marker?: string;
  zombie?: boolean;
}

function fakeSource(table: Map<number, FakeProcess>): ProcessSource {
  const status = (pid: number): ProcessStatus | undefined => {
    const entry = table.get(pid);
    if (entry === undefined) return undefined;
    return {
      pid,
      parentPid: entry.parent,
      groupId: entry.group ?? pid,
      sessionId: entry.session ?? entry.group ?? pid,
      startTime: `start-${entry.start}`,
      startOrder: entry.start,
      exited: entry.zombie === true,
    };
  };
  return {
    listPids: () => [...table.keys()],
    status,
    listedStatus: status,
    environmentValue: (pid, name) => (name === 'CLAUDINE_TASK_ID' ? table.get(pid)?.marker : undefined),
    startOrder: (startTime) => Number(startTime.slice('start-'.length)),
  };
}

function identity(pid: number, start: number): ProcessIdentity {
  return { pid, startTime: `start-${start}` };
}

let watcher: ProcessTreeWatcher | undefined;
afterEach(() => {
  watcher?.close();
  watcher = undefined;
});

function watch(table: Map<number, FakeProcess>, intervalMs = 60_000): ProcessTreeWatcher {
  watcher = createProcessTreeWatcher({ source: fakeSource(table), intervalMs });
  return watcher;
}

// A watcher whose source counts how often it lists every process.
function watchCountingListings(
  table: Map<number, FakeProcess>,
  intervalMs: number,
): { watcher: ProcessTreeWatcher; listings: () => number } {
  let listings = 0;
  const source = fakeSource(table);
  watcher = createProcessTreeWatcher({
    intervalMs,
    source: {
      ...source,
      listPids: () => {
        listings += 1;
        return source.listPids();
      },
    },
  });
  return { watcher, listings: () => listings };
}

const pids = (statuses: readonly ProcessStatus[]): number[] => statuses.map((status) => status.pid).sort((a, b) => a - b);

describe('process tree membership', () => {
  it('follows the parent chain, whatever order parents and children are listed in', () => {
    // 300 is the root; 250 its child, 200 its grandchild (pids wrapped around).
    const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
    const tree = watch(table).track(identity(300, 10));
    table.set(200, { parent: 250, group: 300, session: 300, start: 12 });
    table.set(250, { parent: 300, group: 300, session: 300, start: 11 });
    table.set(400, { parent: 1, start: 13 });
    expect(pids(tree.refresh({ force: true }))).toEqual([200, 250, 300]);
  });

  it('keeps a descendant that left the group and session, and what it starts there after it is orphaned', () => {
    const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
    const tree = watch(table).track(identity(300, 10));
    table.set(310, { parent: 300, start: 11 }); // setsid: leads its own group and session
    tree.refresh({ force: true });
    table.delete(300);
    // Its child appears after its parent died: ppid is init, only its session ties it to the tree.
    table.set(320, { parent: 1, group: 320, session: 310, start: 12 });
    table.delete(310);
    expect(pids(tree.refresh({ force: true }))).toEqual([320]);
  });

  it('finds an orphan by the marker in its environment, and never one without it', () => {
    const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
    const tree = watch(table).track(identity(300, 10), { marker: 'task1' });
    table.set(500, { parent: 1, start: 11, marker: 'task1' });
    table.set(501, { parent: 500, start: 12 });
    table.set(600, { parent: 1, start: 11, marker: 'task2' });
    table.set(601, { parent: 1, start: 11 });
    expect(pids(tree.refresh({ force: true }))).toEqual([300, 500, 501]);
  });

  it('tracks by marker alone when the root is unknown (recovery)', () => {
    const table = new Map<number, FakeProcess>([
      [500, { parent: 1, start: 11, marker: 'task1' }],
      [700, { parent: 1, start: 5 }],
    ]);
    const tree = watch(table).track(null, { marker: 'task1' });
    expect(pids(tree.refresh({ force: true }))).toEqual([500]);
    expect(tree.groupId).toBeNull();
  });

  it("adopts a process in the root's group even when its parent is unknown", () => {
    const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
    const tree = watch(table).track(identity(300, 10));
    table.set(305, { parent: 1, group: 300, session: 300, start: 12 });
    table.set(306, { parent: 1, group: 300, session: 300, start: 9 });
    expect(pids(tree.refresh({ force: true }))).toEqual([300, 305]);
  });

  it('does not adopt the children of a process that reused a leader pid', () => {
    const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
    const tree = watch(table).track(identity(300, 10));
    tree.refresh({ force: true });
    table.delete(300);
    tree.refresh({ force: true });
    // Much later pid 300 names another process, which leads its own group 300.
    table.set(300, { parent: 1, start: 90 });
    table.set(301, { parent: 300, group: 300, session: 300, start: 91 });
    expect(pids(tree.refresh({ force: true }))).toEqual([]);
  });

  it('never counts the watching process or its parent, even with the marker', () => {
    const table = new Map<number, FakeProcess>([
      [300, { parent: 1, start: 10 }],
      [process.pid, { parent: process.ppid, start: 20, marker: 'task1' }],
      [process.ppid, { parent: 1, start: 20, marker: 'task1' }],
    ]);
    const tree = watch(table).track(identity(300, 10), { marker: 'task1' });
    expect(pids(tree.refresh({ force: true }))).toEqual([300]);
  });

  it('counts a zombie as gone and forgets processes that disappear', () => {
    const table = new Map<number, FakeProcess>([
      [300, { parent: 1, start: 10 }],
      [301, { parent: 300, group: 300, start: 11 }],
    ]);
    const tree = watch(table).track(identity(300, 10));
    expect(pids(tree.refresh({ force: true }))).toEqual([300, 301]);
    (table.get(300) as FakeProcess).zombie = true;
    table.delete(301);
    expect(pids(tree.refresh({ force: true }))).toEqual([]);
    expect(pids(tree.members())).toEqual([300]);
  });

  it('with sampleNow false, lists no processes at track and finds the children on the next sample', () => {
    const table = new Map<number, FakeProcess>([
      [300, { parent: 1, start: 10 }],
      [301, { parent: 300, group: 300, session: 300, start: 11 }],
    ]);
    const counted = watchCountingListings(table, 60_000);
    const tree = counted.watcher.track(identity(300, 10), { sampleNow: false });
    expect(counted.listings()).toBe(0);
    expect(pids(tree.refresh({ force: true }))).toEqual([300, 301]);
    expect(counted.listings()).toBe(1);
  });

  it("with force 'turn', lists the processes once for many trees in one synchronous turn, and afresh in the next", async () => {
    const table = new Map<number, FakeProcess>([
      [300, { parent: 1, start: 10 }],
      [400, { parent: 1, start: 12 }],
    ]);
    const counted = watchCountingListings(table, 60_000);
    const first = counted.watcher.track(identity(300, 10), { sampleNow: false });
    const second = counted.watcher.track(identity(400, 12), { sampleNow: false });
    table.set(301, { parent: 300, group: 300, start: 13 });
    table.set(401, { parent: 400, group: 400, start: 14 });
    // Two agents reported in one message: one listing sees what both left.
    expect(pids(first.refresh({ force: 'turn' }))).toEqual([300, 301]);
    expect(pids(second.refresh({ force: 'turn' }))).toEqual([400, 401]);
    expect(counted.listings()).toBe(1);
    // A plain forced refresh always lists.
    first.refresh({ force: true });
    expect(counted.listings()).toBe(2);
    await Promise.resolve();
    table.set(402, { parent: 400, group: 400, start: 15 });
    expect(pids(second.refresh({ force: 'turn' }))).toEqual([400, 401, 402]);
    expect(counted.listings()).toBe(3);
  });

  it('samples on its own at the interval while a tree is tracked, and stops when none is', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    try {
      const table = new Map<number, FakeProcess>([[300, { parent: 1, start: 10 }]]);
      const counted = watchCountingListings(table, 100);
      const tree = counted.watcher.track(identity(300, 10));
      table.set(301, { parent: 300, group: 300, start: 11 });
      vi.advanceTimersByTime(99);
      expect(tree.members()).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(tree.members()).toHaveLength(2);
      tree.release();
      expect(counted.watcher.size).toBe(0);
      const after = counted.listings();
      vi.advanceTimersByTime(1000);
      expect(counted.listings()).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });
});
