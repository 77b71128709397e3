#!/usr/bin/env node
import { answerInfoCommand, type Claudine, fatalErrorMessage, openClaudine, packageVersion, startServerProcess } from '@claudine/runtime';
import { parseCommandLine, USAGE } from './command-line.js';
import { DEFAULT_DASHBOARD_PORT, type RunningDashboard, startDashboard } from './dashboard-server.js';
import { openBrowser } from './open-browser.js';
import { runtimeWorktreeChanges } from './worktree-changes.js';

const report = startServerProcess('claudine-web');
const version = packageVersion(new URL('../package.json', import.meta.url));
const command = parseCommandLine(process.argv.slice(2));

let claudine: Claudine | undefined;
let dashboard: RunningDashboard | undefined;
try {
  if (!answerInfoCommand(command, { usage: USAGE, version, out: process.stdout, report })) {
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
  }
} catch (error) {
  report(fatalErrorMessage(error));
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
