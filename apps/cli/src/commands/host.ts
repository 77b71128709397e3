import { setTimeout as sleep } from 'node:timers/promises';
import { isClaudineError } from '@claudine/core';
import { runHostProcess } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, globalOptions, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { detectTerminal, paint } from '../terminal.js';

/** `claudine host`: run, start, stop or inspect the host that runs tasks. */
export function registerHost(program: Command): void {
  const host = program
    .command('host')
    .summary('run or manage the host that runs tasks')
    .description(
      'The host is the background process that runs tasks, one per data directory. Clients start it on demand and it exits when idle; `claudine host` runs it in the foreground instead, until Ctrl-C (which stops running tasks; press it twice to exit at once).',
    );

  host
    .command('run', { isDefault: true })
    .description('run the host in the foreground until stopped (the default)')
    .option('--exit-when-idle', 'exit after host.idleExit with nothing to do')
    .option('--shared', 'run beside the host that holds the lock, sharing its work (claims stay atomic, the cap global)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (loopback only)')
    .action(async (options: { exitWhenIdle?: boolean; shared?: boolean; metricsPort?: string }, command: Command) => {
      const { home } = globalOptions(command);
      const terminal = detectTerminal(process.stderr);
      if (options.metricsPort !== undefined && !/^\d{1,5}$/.test(options.metricsPort)) {
        throw new CliError(`--metrics-port "${options.metricsPort}" is not a port: give a number such as 9464`, EXIT.usage);
      }
      try {
        process.exitCode = await runHostProcess({
          ...(home === undefined ? {} : { home }),
          ...(options.metricsPort === undefined ? {} : { overrides: { metrics: { listen: Number(options.metricsPort) } } }),
          exitWhenIdle: options.exitWhenIdle === true,
          lock: options.shared !== true,
          log: (line) => process.stderr.write(`${paint(terminal, 'dim', new Date().toISOString())} ${line}\n`),
        });
      } catch (error) {
        if (isClaudineError(error) && error.code === 'host_running') throw new CliError(error.message, EXIT.conflict);
        throw error;
      }
    });

  host
    .command('start')
    .description('start a background host if none runs')
    .option('--json', 'print JSON: { started, pid, id }')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withClaudine(command, async (claudine) => {
        const { started, host: record } = await claudine.ensureHost();
        if (options.json === true) printJson({ started, pid: record.pid, id: record.id });
        else process.stdout.write(started ? `host started (pid ${record.pid})\n` : `a host already runs (pid ${record.pid})\n`);
      });
    });

  host
    .command('status')
    .description('say whether a host runs, and which')
    .option('--json', 'print JSON: { running, host }')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withClaudine(
        command,
        async (claudine) => {
          const status = await claudine.hostStatus();
          if (options.json === true) printJson(status);
          else if (status.running && status.host !== null) {
            process.stdout.write(
              `host ${status.host.id} runs as pid ${status.host.pid} on ${status.host.hostname} since ${new Date(status.host.startedAt).toISOString()}\n`,
            );
          } else process.stdout.write('no host runs; one starts when a task is submitted\n');
          if (!status.running) process.exitCode = EXIT.failure;
        },
        { autoStartHost: false },
      );
    });

  host
    .command('stop')
    .description('stop the running host (its running tasks are stopped and recorded as failed)')
    .option('--timeout <seconds>', 'wait this long for it to stop', '30')
    .action(async (options: { timeout: string }, command: Command) => {
      await withClaudine(
        command,
        async (claudine) => {
          const status = await claudine.hostStatus();
          if (!status.running || status.host === null) {
            process.stdout.write('no host runs\n');
            return;
          }
          const pid = status.host.pid;
          try {
            process.kill(pid, 'SIGTERM');
          } catch (error) {
            throw new CliError(`could not signal the host (pid ${pid}): ${(error as Error).message}`, EXIT.failure);
          }
          const deadline = Date.now() + Number(options.timeout) * 1000;
          while (Date.now() < deadline) {
            if (!(await claudine.hostStatus()).running) {
              process.stdout.write(`host (pid ${pid}) stopped\n`);
              return;
            }
            await sleep(50);
          }
          throw new CliError(
            `the host (pid ${pid}) did not stop within ${options.timeout} s: run \`claudine host stop\` again to make it kill its tasks at once and exit`,
            EXIT.failure,
          );
        },
        { autoStartHost: false },
      );
    });
}
