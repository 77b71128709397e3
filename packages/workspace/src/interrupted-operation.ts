import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A git operation left half done in a working tree (after a conflict, typically). */
export type InterruptedOperation = 'rebase' | 'am' | 'merge' | 'cherry-pick' | 'revert';

// The state files git keeps in a working tree's own git directory while each operation is under way.
const OPERATION_MARKERS: ReadonlyArray<readonly [string, InterruptedOperation]> = [
  ['rebase-merge', 'rebase'],
  ['rebase-apply/applying', 'am'],
  ['rebase-apply', 'rebase'],
  ['MERGE_HEAD', 'merge'],
  ['CHERRY_PICK_HEAD', 'cherry-pick'],
  ['REVERT_HEAD', 'revert'],
];

/** The operation under way in the working tree whose git directory is `gitDir`, or null. */
export function interruptedOperation(gitDir: string): InterruptedOperation | null {
  for (const [marker, operation] of OPERATION_MARKERS) if (existsSync(join(gitDir, marker))) return operation;
  return null;
}

/** The git command that drops an operation's state and leaves index and files as they are. */
export const QUIT_OPERATION: Readonly<Record<InterruptedOperation, readonly string[]>> = {
  rebase: ['rebase', '--quit'],
  am: ['am', '--quit'],
  merge: ['merge', '--quit'],
  'cherry-pick': ['cherry-pick', '--quit'],
  revert: ['revert', '--quit'],
};
