import { isClaudineError, type Result } from '@claudine/core';
import { type GitCommand, gitText } from './git.js';

/** The oldest git this package drives: `merge-tree --write-tree` arrived in 2.38. */
export const MINIMUM_GIT_VERSION = { major: 2, minor: 38, patch: 0 } as const;

/** A git version, as `git --version` prints it. */
export interface GitVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** What git printed, e.g. `git version 2.39.5` or `git version 2.39.3 (Apple Git-146)`. */
  readonly text: string;
}

/** Why git cannot be used: not found, or older than {@link MINIMUM_GIT_VERSION}. */
export interface GitUnusable {
  readonly kind: 'git_missing' | 'git_too_old' | 'git_unrecognised';
  readonly message: string;
  readonly version: GitVersion | null;
}

/** Reads the version out of `git --version`'s output; null when it names none. */
export function parseGitVersion(text: string): GitVersion | null {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (match === null) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: text.trim() };
}

/** True when `version` is at least {@link MINIMUM_GIT_VERSION}. */
export function isSupportedGitVersion(version: GitVersion): boolean {
  const minimum = MINIMUM_GIT_VERSION;
  if (version.major !== minimum.major) return version.major > minimum.major;
  if (version.minor !== minimum.minor) return version.minor > minimum.minor;
  return version.patch >= minimum.patch;
}

/**
 * The version of the git this package would run, for `claudine doctor`: ok with the version
 * when it is 2.38 or newer, otherwise why not (missing, too old) with a message saying what to
 * do. Never throws for a missing git.
 */
export async function checkGit(options: { readonly git?: string; readonly cwd?: string } = {}): Promise<Result<GitVersion, GitUnusable>> {
  const git: GitCommand = { executable: options.git ?? 'git' };
  let text: string;
  try {
    text = await gitText(git, ['--version'], { cwd: options.cwd ?? process.cwd(), readOnly: true });
  } catch (error) {
    if (!isClaudineError(error)) throw error;
    return {
      ok: false,
      error: { kind: 'git_missing', message: `git was not found (${git.executable}): install git 2.38 or newer`, version: null },
    };
  }
  const version = parseGitVersion(text);
  if (version === null) {
    return { ok: false, error: { kind: 'git_unrecognised', message: `could not read a version in "${text}"`, version: null } };
  }
  if (!isSupportedGitVersion(version)) {
    return {
      ok: false,
      error: {
        kind: 'git_too_old',
        message: `${version.text} is too old: worktree tasks need git 2.38 or newer (for merge-tree --write-tree); upgrade git`,
        version,
      },
    };
  }
  return { ok: true, value: version };
}
