import { type GitCommand, nulFields, runGit } from './git.js';

/** What happened to one file. */
export type FileChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';

/** One file of a change. */
export interface FileChange {
  readonly path: string;
  /** The path it had before, for a rename or copy; null otherwise. */
  readonly previousPath: string | null;
  readonly status: FileChangeStatus;
  /** Lines added and removed; 0 and 0 for a binary file (see `binary`). */
  readonly insertions: number;
  readonly deletions: number;
  readonly binary: boolean;
}

/** The files a change touches, and its lines added and removed in all. */
export interface ChangeSummary {
  readonly files: readonly FileChange[];
  readonly insertions: number;
  readonly deletions: number;
}

const STATUSES: Readonly<Record<string, FileChangeStatus>> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type_changed',
};

/** Parses `git diff --raw --numstat -z` (the raw records, then the numstat ones, in the same order). */
export function parseChangeSummary(output: Buffer | string): ChangeSummary {
  const fields = nulFields(output);
  const raw: { status: FileChangeStatus; path: string; previousPath: string | null }[] = [];
  const counts: { insertions: number; deletions: number; binary: boolean }[] = [];
  for (let index = 0; index < fields.length; index += 1) {
    const field = fields[index] as string;
    if (field.startsWith(':')) {
      const letter = field.slice(field.lastIndexOf(' ') + 1, field.lastIndexOf(' ') + 2);
      const status = STATUSES[letter] ?? 'modified';
      if (letter === 'R' || letter === 'C') {
        raw.push({ status, previousPath: fields[index + 1] ?? '', path: fields[index + 2] ?? '' });
        index += 2;
      } else {
        raw.push({ status, previousPath: null, path: fields[index + 1] ?? '' });
        index += 1;
      }
    } else {
      const [added = '0', removed = '0', path = ''] = field.split('\t');
      if (path === '') index += 2;
      const binary = added === '-';
      counts.push({ insertions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(removed), binary });
    }
  }
  const files = raw.map((entry, index) => ({ ...entry, ...(counts[index] ?? { insertions: 0, deletions: 0, binary: false }) }));
  return {
    files,
    insertions: files.reduce((sum, file) => sum + file.insertions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
  };
}

/**
 * The change from commit `from` to commit `to`: every file (renames detected, as `git diff`
 * does by default) with its lines added and removed.
 */
export async function summariseChange(git: GitCommand, cwd: string, from: string, to: string): Promise<ChangeSummary> {
  const output = await runGit(git, ['diff', '--raw', '--numstat', '-z', '-M', '--no-ext-diff', '--no-textconv', from, to, '--'], {
    cwd,
    readOnly: true,
  });
  return parseChangeSummary(output.stdout);
}
