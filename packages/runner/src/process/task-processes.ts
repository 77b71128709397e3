import { readdirSync, readFileSync } from 'node:fs';

/**
 * Live processes started for Claudine tasks, found by the `CLAUDINE_TASK_ID` variable every agent
 * process and its descendants inherit: a map from task id to pids. This finds what a crashed host
 * could not record (a process started a moment before the crash) and descendants that left the
 * task's process group. Linux only (reads /proc); elsewhere it returns an empty map.
 */
export function findTaskProcesses(taskIds: ReadonlySet<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  if (process.platform !== 'linux' || taskIds.size === 0) return found;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environment: string;
    try {
      environment = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    const start = environment.indexOf('CLAUDINE_TASK_ID=');
    if (start === -1 || (start > 0 && environment[start - 1] !== '\0')) continue;
    const end = environment.indexOf('\0', start);
    const taskId = environment.slice(start + 'CLAUDINE_TASK_ID='.length, end === -1 ? undefined : end);
    if (!taskIds.has(taskId)) continue;
    const pids = found.get(taskId) ?? [];
    pids.push(pid);
    found.set(taskId, pids);
  }
  return found;
}
