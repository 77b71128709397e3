import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The disk space the files under `path` take, in bytes (allocated blocks, as `du` counts them;
 * each hard-linked file once; symbolic links not followed). 0 when `path` does not exist. A
 * worktree's index and git metadata live in the repository's git directory and are not counted.
 */
export async function diskUsage(path: string): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  const visit = async (entry: string): Promise<void> => {
    const stats = await lstat(entry).catch(() => null);
    if (stats === null) return;
    const key = `${stats.dev}:${stats.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    // Where a file system reports no blocks, its size is the best measure there is.
    bytes += stats.blocks === undefined || Number.isNaN(stats.blocks) ? stats.size : stats.blocks * 512;
    if (!stats.isDirectory()) return;
    const children = await readdir(entry).catch(() => [] as string[]);
    for (const child of children) await visit(join(entry, child));
  };
  await visit(path);
  return bytes;
}
