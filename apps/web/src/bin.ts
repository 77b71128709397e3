#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { isClaudineError } from '@claudine/core';
import { type Claudine, openClaudine } from '@claudine/runtime';
import { parseCommandLine, USAGE } from './command-line.js';
import { DEFAULT_DASHBOARD_PORT, type RunningDashboard, startDashboard } from './dashboard-server.js';
import { openBrowser } from './open-browser.js';
import { runtimeWorktreeChanges } from './worktree-changes.js';

const report = (line: string): void => {
  process.stderr.write(`claudine-web: ${line}\n`);
};
// A bad request must never take the dashboard down: a stray error is reported and serving goes on.
process.on('uncaughtException', (error) => report(`unexpected error: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) =>
  report(`unexpected error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const command = parseCommandLine(process.argv.slice(2));

let claudine: Claudine | undefined;
let dashboard: RunningDashboard | undefined;
try {
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      break;
    case 'version':
      process.stdout.write(`${version}\n`);
      break;
    case 'error':
      report(command.message);
      process.exitCode = 2;
      break;
    case 'serve': {
      // The dashboard only reads and steers: a host starts when a retry or resume needs one.
      claudine = openClaudine();
      dashboard = await startDashboard({
        claudine,
        port: command.port ?? DEFAULT_DASHBOARD_PORT,
        log: report,
        worktrees: runtimeWorktreeChanges(claudine),
      });
      process.stdout.write(
        `Claudine dashboard: ${dashboard.signInUrl}\n` +
          `Listening on ${dashboard.url} (this machine only). The link signs a browser in once; it carries your access token, so keep it to yourself.\n` +
          'Press Ctrl-C to stop.\n',
      );
      if (command.open) {
        const problem = await openBrowser(dashboard.signInUrl, claudine.layout.root);
        if (problem !== undefined) report(problem);
      }
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
      process.once('SIGHUP', () => void shutdown());
      break;
    }
  }
} catch (error) {
  report(isClaudineError(error) ? error.message : error instanceof Error ? error.message : String(error));
  stop(1);
}

async function shutdown(): Promise<void> {
  try {
    await dashboard?.close();
  } finally {
    stop(0);
  }
}

function stop(code: number): void {
  try {
    claudine?.close();
  } finally {
    process.exit(code);
  }
}
