import { accessSync, constants, existsSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isClaudineError } from '@claudine/core';
import { type DataLayout, formatBytes, hostEntryPath, openClaudine } from '@claudine/runtime';
import { check, type DoctorCheck } from './doctor-check.js';

const LOW_DISK_BYTES = 1024 ** 3;

const FULL_DISK_BYTES = 100 * 1024 ** 2;

/** Whether the data directory exists (or can be created) with private permissions. */
export function dataDirectoryCheck(layout: DataLayout): DoctorCheck {
  const title = 'data directory';
  if (!existsSync(layout.root)) {
    const parent = nearestExisting(layout.root);
    if (!writable(parent)) {
      return check(
        'data-directory',
        title,
        'fail',
        `${layout.root} does not exist and ${parent} is not writable, so it cannot be created`,
        'Set CLAUDINE_HOME (or --home) to a directory you can write, or fix the permissions.',
      );
    }
    return check('data-directory', title, 'ok', `${layout.root} (not created yet; it is created private, 0700, on first use)`);
  }
  const stat = statSync(layout.root);
  if (!stat.isDirectory()) {
    return check(
      'data-directory',
      title,
      'fail',
      `${layout.root} is a file, not a directory`,
      'Move the file aside, or set CLAUDINE_HOME to another directory.',
    );
  }
  if (!writable(layout.root)) {
    return check(
      'data-directory',
      title,
      'fail',
      `${layout.root} is not writable`,
      `Fix its permissions: chmod 700 ${layout.root} (as its owner).`,
    );
  }
  if (process.platform !== 'win32') {
    const loose = [layout.root, layout.logs].filter((path) => existsSync(path) && (statSync(path).mode & 0o077) !== 0);
    if (loose.length > 0) {
      return check(
        'data-directory',
        title,
        'warn',
        `${loose.join(' and ')} can be read by other users (task prompts and output may hold secrets)`,
        `Make it private: chmod 700 ${loose.join(' ')} (Claudine also does this the next time it opens it).`,
      );
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      return check(
        'data-directory',
        title,
        'warn',
        `${layout.root} belongs to another user (uid ${stat.uid})`,
        'Use a data directory of your own: set CLAUDINE_HOME.',
      );
    }
  }
  return check('data-directory', title, 'ok', `${layout.root} (private, writable)`);
}

/** Free space where the data directory lives: a warning when low, a failure when nearly full. */
export function diskCheck(layout: DataLayout): DoctorCheck {
  const path = nearestExisting(layout.root);
  try {
    const stats = statfsSync(path);
    const free = stats.bavail * stats.bsize;
    const detail = `${formatBytes(free)} free on the file system of ${path}`;
    if (free < FULL_DISK_BYTES)
      return check(
        'disk',
        'free disk space',
        'fail',
        detail,
        'Free some space: `claudine db prune --older-than 7d` deletes old tasks and their logs.',
      );
    if (free < LOW_DISK_BYTES)
      return check(
        'disk',
        'free disk space',
        'warn',
        detail,
        'Free some space soon: task logs need room (`claudine db prune --older-than 7d` helps).',
      );
    return check('disk', 'free disk space', 'ok', detail);
  } catch (error) {
    return check(
      'disk',
      'free disk space',
      'warn',
      `could not measure: ${(error as Error).message}`,
      'Check the free space yourself (df -h).',
    );
  }
}

/** The database (opens, sound, its schema) and the host (alive, or none needed), without creating either. */
export async function storeChecks(layout: DataLayout, home: string | undefined, configValid: boolean): Promise<DoctorCheck[]> {
  const entry = hostEntryPath();
  const entryCheck = existsSync(entry)
    ? undefined
    : check(
        'host',
        'host',
        'fail',
        `the host program ${entry} is missing, so no host can start`,
        'Build Claudine again (pnpm build) or reinstall it.',
      );
  if (!existsSync(layout.database)) {
    return [
      check('database', 'database', 'ok', `${layout.database} (not created yet)`),
      entryCheck ?? check('host', 'host', 'ok', 'not running; one starts when a task is submitted'),
    ];
  }
  if (!configValid) {
    const skipped = 'not checked: fix the configuration first';
    return [
      check('database', 'database', 'warn', skipped, 'Fix the configuration (see above), then run claudine doctor again.'),
      entryCheck ?? check('host', 'host', 'warn', skipped, 'Fix the configuration (see above).'),
    ];
  }
  let claudine: ReturnType<typeof openClaudine> | undefined;
  try {
    claudine = openClaudine({ ...(home === undefined ? {} : { home }), autoStartHost: false });
    const report = await claudine.checkDatabase();
    const database = report.ok
      ? check(
          'database',
          'database',
          'ok',
          `${layout.database}: ${report.tasks} task(s), schema ${report.schemaVersion}, ${formatBytes(report.databaseBytes)}`,
        )
      : check(
          'database',
          'database',
          'fail',
          `${layout.database}: ${report.problems.slice(0, 3).join('; ')}`,
          'See every problem with `claudine db check`; restore a backup, or move the file aside to start afresh.',
        );
    const status = await claudine.hostStatus();
    const host =
      entryCheck ??
      (status.running && status.host !== null
        ? check('host', 'host', 'ok', `running: pid ${status.host.pid} on ${status.host.hostname}`)
        : check('host', 'host', 'ok', 'not running; one starts when a task is submitted'));
    return [database, host];
  } catch (error) {
    const message = isClaudineError(error) || error instanceof Error ? error.message : String(error);
    if (isClaudineError(error) && error.code === 'native_module_mismatch') {
      // Not the database: the module that reads it was built for another Node.js.
      return [
        check('database', 'database', 'fail', message, 'Rebuild better-sqlite3 with the command above, then run claudine doctor again.'),
        entryCheck ??
          check(
            'host',
            'host',
            'warn',
            'not checked: better-sqlite3 must first be rebuilt for this Node.js',
            'Rebuild better-sqlite3 (see above).',
          ),
      ];
    }
    return [
      check(
        'database',
        'database',
        'fail',
        message,
        'See `claudine db check`; restore a backup (claudine db backup makes one), or move the file aside.',
      ),
      entryCheck ?? check('host', 'host', 'warn', 'not checked: the database could not be opened', 'Fix the database first.'),
    ];
  } finally {
    claudine?.close();
  }
}

/** True when this user may write to `path`. */
export function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}
