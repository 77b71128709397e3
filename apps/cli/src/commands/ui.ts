import type { Command } from 'commander';
import { runAppBin } from '../app-process.js';
import { CliError, globalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';

/**
 * `claudine ui`: serves the dashboard. Like `claudine mcp`, it runs another app's bin (from
 * `@claudine/web`) as a child with this process's stdio, and exits with it.
 */
export function registerUi(program: Command): void {
  const ui = program
    .command('ui')
    .summary('open the dashboard in a browser')
    .description(
      'Serve the dashboard on 127.0.0.1: live tasks and logs, workflows as graphs, CPU, memory and spending, and buttons to cancel, retry and resume. It prints a link that carries the access token once (the page then keeps it in an HttpOnly cookie); open it, or pass --open. Runs until Ctrl-C.',
    )
    .option('--port <port>', 'listen on this port (default 7434; 0 picks a free one)')
    .option('--open', 'open the link in the default browser ($BROWSER, else xdg-open or open)');
  withExamples(ui, ['claudine ui --open', 'claudine ui --port 8080']).action(
    async (options: { port?: string; open?: boolean }, command: Command) => {
      if (options.port !== undefined && (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65_535)) {
        throw new CliError(`--port "${options.port}" is not a port: give a number from 0 to 65535`, EXIT.usage);
      }
      const args = [...(options.port === undefined ? [] : ['--port', options.port]), ...(options.open === true ? ['--open'] : [])];
      await runAppBin(
        { packageName: '@claudine/web', bin: 'claudine-web', description: 'the dashboard' },
        args,
        globalOptions(command).home,
      );
    },
  );
}
