import { readFileSync } from 'node:fs';
import { isClaudineError } from '@claudine/core';

/**
 * Sets up a long-running Claudine server bin (the MCP server, the dashboard) and returns how it
 * reports a line on stderr, prefixed with its name. A bad call or request must never take the
 * server down, so a stray error is reported there and serving goes on.
 */
export function startServerProcess(name: string): (line: string) => void {
  const report = (line: string): void => {
    process.stderr.write(`${name}: ${line}\n`);
  };
  process.on('uncaughtException', (error) => report(`unexpected error: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (reason) =>
    report(`unexpected error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
  );
  return report;
}

/** The version in a package's package.json (given by URL, relative to the bin's own module). */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The line a bin prints for an error that ends it: the message alone, no stack. */
export function fatalErrorMessage(error: unknown): string {
  return isClaudineError(error) ? error.message : error instanceof Error ? error.message : String(error);
}
