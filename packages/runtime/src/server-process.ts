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

/** What a server bin's command line may ask for instead of serving. */
export type InfoCommand = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'error'; readonly message: string };

/** Where a server bin answers an {@link InfoCommand}. */
export interface InfoAnswers {
  readonly usage: string;
  readonly version: string;
  /** Where help and the version go: stderr for the MCP server, whose stdout carries the protocol. */
  readonly out: NodeJS.WritableStream;
  readonly report: (line: string) => void;
}

/**
 * Answers --help, --version or a command line that makes no sense (exit code 2), and says
 * whether it did: if not, the command is one to serve.
 */
export function answerInfoCommand<C extends { readonly kind: string }>(
  command: C,
  answers: InfoAnswers,
): command is Extract<C, InfoCommand> {
  // Any other kind is one to serve.
  const info = command as unknown as InfoCommand;
  switch (info.kind) {
    case 'help':
      answers.out.write(answers.usage);
      return true;
    case 'version':
      answers.out.write(`${answers.version}\n`);
      return true;
    case 'error':
      answers.report(info.message);
      process.exitCode = 2;
      return true;
    default:
      return false;
  }
}
