import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ensureAccessToken, ensureDataDirectory, resolveDataDirectory, rotateAccessToken } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, globalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `claudine mcp`: starts Claudine's MCP server. Apps never import each other, so the server is
 * not loaded into this process: its bin (from the `@claudine/mcp` package) runs as a child with
 * this process's stdin, stdout and stderr, and this process exits with it.
 */
export function registerMcp(program: Command): void {
  const mcp = program
    .command('mcp')
    .summary('start the MCP server (what Claude Code runs)')
    .description(
      'Start the MCP server that lets a Claude Code session delegate tasks and follow them. It speaks MCP over stdio, for `claude mcp add claudine -- claudine mcp`; with --http it serves Streamable HTTP on 127.0.0.1 instead, so several sessions can share one server. Over HTTP every request needs the access token (`claudine mcp token`) as `Authorization: Bearer <token>`; the server prints the `claude mcp add` line to register it with.',
    )
    .option('--http [port]', 'serve Streamable HTTP at http://127.0.0.1:<port>/mcp (default port: mcp.httpPort, 7433)');
  withExamples(mcp, [
    'claude mcp add claudine -- claudine mcp',
    'claudine mcp --http 7433 &',
    'claude mcp add --transport http claudine http://127.0.0.1:7433/mcp --header "Authorization: Bearer $(claudine mcp token)"',
  ]).action(async (options: { http?: string | boolean }, command: Command) => {
    const { home } = globalOptions(command);
    const args = options.http === undefined ? [] : options.http === true ? ['--http'] : ['--http', String(options.http)];
    const environment = home === undefined ? process.env : { ...process.env, CLAUDINE_HOME: resolve(home) };
    const child = spawn(process.execPath, [mcpServerBin(), ...args], { stdio: 'inherit', env: environment });
    // The server handles its own shutdown: a signal sent to this process only is passed on.
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
      child.once('error', (error) => reject(new CliError(`could not start the MCP server: ${error.message}`, EXIT.failure)));
      child.once('exit', (exitCode, exitSignal) => resolvePromise({ code: exitCode, signal: exitSignal }));
    });
    for (const forwarded of FORWARDED_SIGNALS) process.off(forwarded, forward);
    process.exitCode = code ?? (signal === 'SIGINT' ? EXIT.cancelled : EXIT.failure);
  });

  const token = mcp
    .command('token')
    .summary('print the access token that MCP over HTTP and /metrics require')
    .description(
      'Prints the bearer token that `claudine mcp --http` and the metrics endpoint (metrics.listen) require of every request, as `Authorization: Bearer <token>`. It is created on first use, kept private in the data directory (access-token, 0600) and stays the same across restarts. --rotate replaces it: running servers refuse the old one from their next request and end the sessions opened with it, so register the new one where the old one was.',
    )
    .option('--rotate', 'replace the token with a new random one, and print that');
  withExamples(token, [
    'claudine mcp token',
    'claude mcp add --transport http claudine http://127.0.0.1:7433/mcp --header "Authorization: Bearer $(claudine mcp token)"',
    'claudine mcp token --rotate',
  ]).action((options: { rotate?: boolean }, command: Command) => {
    const { home } = globalOptions(command);
    const layout = ensureDataDirectory(home === undefined ? resolveDataDirectory(process.env) : resolve(home));
    if (options.rotate === true) {
      process.stdout.write(`${rotateAccessToken(layout)}\n`);
      process.stderr.write(
        'claudine: the old token is refused from now on. Register the new one with Claude Code (claude mcp remove claudine, then claude mcp add ... with the new header) and in scrape configs.\n',
      );
      return;
    }
    process.stdout.write(`${ensureAccessToken(layout)}\n`);
  });
}

// The server's entry point, found through its package like any installed dependency.
function mcpServerBin(): string {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve('@claudine/mcp/package.json');
  } catch (error) {
    throw new CliError(
      `the MCP server package (@claudine/mcp) is not installed next to the CLI: reinstall claudine (${(error as Error).message})`,
      EXIT.failure,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: Record<string, string> };
  const bin = manifest.bin?.['claudine-mcp'];
  if (bin === undefined) throw new CliError(`${manifestPath} names no claudine-mcp bin: reinstall claudine`, EXIT.failure);
  return join(dirname(manifestPath), bin);
}
