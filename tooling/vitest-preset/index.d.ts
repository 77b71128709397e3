import type { UserWorkspaceConfig } from 'vitest/config';

/** Options for {@link claudineProject}. */
export interface ClaudineProjectOptions {
  /** Project name shown by vitest (the package's short name). */
  readonly name: string;
  /** Per-test timeout in milliseconds; integration tests that run real processes need more. */
  readonly testTimeout?: number;
}

/** A vitest project config that resolves workspace packages to their TypeScript source. */
export function claudineProject(options: ClaudineProjectOptions): UserWorkspaceConfig;
