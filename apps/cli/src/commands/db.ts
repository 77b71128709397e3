import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatBytes } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { DbBackupJson, DbCheckJson, DbPruneJson } from '../json-shapes.js';
import { durationOption } from '../parse-options.js';
import { paint } from '../terminal.js';

/** `claudine db`: check, back up and prune the database. */
export function registerDb(program: Command): void {
  const db = program.command('db').summary('check, back up or prune the database').description('Maintenance of the task database.');
  withExamples(db, ['claudine db check', 'claudine db backup ~/claudine-backup.db', 'claudine db prune --older-than 14d']);

  const check = db
    .command('check')
    .description('check the database: SQLite integrity, foreign keys and Claudine invariants; exits 5 on problems')
    .option('--json', 'print JSON: { ok, problems, schemaVersion, tasks, databaseBytes, walBytes }');
  withExamples(check, ['claudine db check']).action(async (options: { json?: boolean }, command: Command) => {
    await withClaudine(
      command,
      async (claudine, terminal) => {
        const report = await claudine.checkDatabase();
        if (options.json === true) printJson(DbCheckJson, report);
        else {
          const status = report.ok ? paint(terminal, 'green', 'ok') : paint(terminal, 'red', `${report.problems.length} problem(s)`);
          process.stdout.write(
            `${claudine.layout.database}: ${status}\n` +
              `schema version ${report.schemaVersion} (latest ${report.latestSchemaVersion}), ${report.tasks} task(s), ` +
              `${formatBytes(report.databaseBytes)} + ${formatBytes(report.walBytes)} WAL\n`,
          );
          for (const problem of report.problems) process.stdout.write(`  ${problem}\n`);
          if (!report.ok) {
            process.stdout.write('Restore a backup (claudine db backup makes one) or move the file aside to start afresh.\n');
          }
        }
        if (!report.ok) process.exitCode = EXIT.storage;
      },
      { autoStartHost: false },
    );
  });

  const backup = db
    .command('backup')
    .description('write a consistent copy of the live database to a file (safe while tasks run)')
    .argument('<file>', 'where to write the copy; must not exist')
    .option('--json', 'print JSON: { path, bytes }');
  withExamples(backup, ['claudine db backup ~/claudine-backup.db']).action(
    async (file: string, options: { json?: boolean }, command: Command) => {
      await withClaudine(
        command,
        async (claudine) => {
          checkBackupDirectory(file);
          const result = await claudine.backupDatabase(file);
          if (options.json === true) printJson(DbBackupJson, result);
          else process.stdout.write(`backed up to ${result.path} (${formatBytes(result.bytes)})\n`);
        },
        { autoStartHost: false },
      );
    },
  );

  const prune = db
    .command('prune')
    .description('delete finished tasks older than a given age, with their output')
    .requiredOption('--older-than <duration>', 'age of the tasks to delete, e.g. 7d, 12h')
    .option('--json', 'print JSON: { pruned }');
  withExamples(prune, ['claudine db prune --older-than 14d']).action(
    async (options: { olderThan: string; json?: boolean }, command: Command) => {
      const age = durationOption(options.olderThan, '--older-than', '7d or 12h');
      await withClaudine(
        command,
        async (claudine) => {
          const pruned = await claudine.pruneTasks(Date.now() - age);
          if (options.json === true) printJson(DbPruneJson, { pruned });
          else process.stdout.write(`deleted ${pruned} finished task(s) and their output\n`);
        },
        { autoStartHost: false },
      );
    },
  );
}

// A destination in a directory that does not exist is the user's mistake, not a storage
// problem: say so before SQLite fails on it with a message about the database.
function checkBackupDirectory(file: string): void {
  const directory = dirname(resolve(file));
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    throw new CliError(
      `The directory ${directory} does not exist: create it (mkdir -p ${directory}) or back up to a file in an existing directory. The database was not touched.`,
      EXIT.usage,
    );
  }
  if (!isDirectory) {
    throw new CliError(
      `${directory} is a file, not a directory: back up to a file in an existing directory. The database was not touched.`,
      EXIT.usage,
    );
  }
}
