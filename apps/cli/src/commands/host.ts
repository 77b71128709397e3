import { setTimeout as sleep } from 'node:timers/promises';
import { isClaudineError } from '@claudine/core';
import { hostLogOnStream, runHostProcess } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, globalOptions, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { HostStartJson, HostStatusJson, HostStopJson } from '../json-shapes.js';
import { wholeNumber } from '../parse-options.js';
import { detectTerminal, paint, relativeTime } from '../terminal.js';

/** `claudine host`: run, start, stop or inspect the host that runs tasks. */
export function registerHost(program: Command): void {
  const host = program
    .command('host')
    .summary('run or manage the host that runs tasks')
    .description(
      'The host is the background process that runs tasks, one per data directory. Clients start it on demand and it exits when idle; `claudine host` runs it in the foreground instead, until Ctrl-C (which stops running tasks; press it twice to exit at once).',
    );

  withExamples(host, ['claudine host', 'claudine host --metrics-port 9464', 'claudine host status --json']);

  const run = host
    .command('run', { isDefault: true })
    .description('run the host in the foreground until stopped (the default)')
    .option('--exit-when-idle', 'exit after host.idleExit with nothing to do')
    .option('--shared', 'run beside the host that holds the lock, sharing its work (claims stay atomic, the cap global)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (loopback only)');
  withExamples(run, ['claudine host run', 'claudine host run --exit-when-idle --metrics-port 9464']).action(
    async (options: { exitWhenIdle?: boolean; shared?: boolean; metricsPort?: string }, command: Command) => {
      const { home } = globalOptions(command);
      const terminal = detectTerminal(process.stderr);
      if (options.metricsPort !== undefined && !/^\d{1,5}$/.test(options.metricsPort)) {
        throw new CliError(`--metrics-port "${options.metricsPort}" is not a port: give a number such as 9464`, EXIT.usage);
      }
      // The host's log must never end it: a write that fails (a full disk, /dev/full, a closed
      // terminal) is dropped and counted.
      const hostLog = hostLogOnStream(process.stderr);
      try {
        process.exitCode = await runHostProcess({
          ...(home === undefined ? {} : { home }),
          ...(options.metricsPort === undefined ? {} : { overrides: { metrics: { listen: Number(options.metricsPort) } } }),
          exitWhenIdle: options.exitWhenIdle === true,
          lock: options.shared !== true,
          log: (line) => hostLog.write(`${paint(terminal, 'dim', new Date().toISOString())} ${line}\n`),
        });
      } catch (error) {
        if (isClaudineError(error) && error.code === 'host_running') throw new CliError(error.message, EXIT.conflict);
        throw error;
      }
    },
  );

  const start = host
    .command('start')
    .description('start a background host if none runs')
    .option('--json', 'print JSON: { started, pid, id }');
  withExamples(start, ['claudine host start']).action(async (options: { json?: boolean }, command: Command) => {
    await withClaudine(command, async (claudine) => {
      const { started, host: record } = await claudine.ensureHost();
      if (options.json === true) printJson(HostStartJson, { started, pid: record.pid, id: record.id });
      else process.stdout.write(started ? `host started (pid ${record.pid})\n` : `a host already runs (pid ${record.pid})\n`);
    });
  });

  const status = host
    .command('status')
    .description('say whether a host runs, and which; exits 1 when none runs')
    .option('--json', 'print JSON: { running, host } (host: the last one recorded, running or not)');
  withExamples(status, ['claudine host status', 'claudine host status --json']).action(
    async (options: { json?: boolean }, command: Command) => {
      await withClaudine(
        command,
        async (claudine) => {
          const current = await claudine.hostStatus();
          if (options.json === true) printJson(HostStatusJson, current);
          else if (current.running && current.host !== null) {
            process.stdout.write(
              `host ${current.host.id} runs as pid ${current.host.pid} on ${current.host.hostname} since ${new Date(current.host.startedAt).toISOString()} (${relativeTime(current.host.startedAt)})\n`,
            );
          } else process.stdout.write('no host runs; one starts when a task is submitted (or: claudine host start)\n');
          if (!current.running) process.exitCode = EXIT.failure;
        },
        { autoStartHost: false },
      );
    },
  );

  const stop = host
    .command('stop')
    .summary('stop the running host (--wait: after its running tasks finish)')
    .description(
      'Stops the running host. By default at once: its running tasks are stopped (SIGTERM, SIGKILL after the grace period) and recorded as failed with reason shutdown. With --wait it claims no more tasks, lets the running ones finish, then exits: use --wait before an upgrade, so that no task is cut short (queued tasks wait for the next host, which the next command starts). Running `claudine host stop` during a --wait stops the rest at once.',
    )
    .option('--wait', 'let running tasks finish first (claiming no more), then stop: what you want before an upgrade')
    .option('--timeout <seconds>', 'wait this long for it to stop (default: 30; with --wait, as long as its tasks take)')
    .option('--json', 'print JSON: { stopped, pid }');
  withExamples(stop, ['claudine host stop', 'claudine host stop --wait', 'claudine host stop --timeout 60']).action(
    async (options: { wait?: boolean; timeout?: string; json?: boolean }, command: Command) => {
      const seconds =
        options.timeout !== undefined
          ? wholeNumber(options.timeout, '--timeout', 1)
          : options.wait === true
            ? Number.POSITIVE_INFINITY
            : 30;
      await withClaudine(
        command,
        async (claudine) => {
          const current = await claudine.hostStatus();
          if (!current.running || current.host === null) {
            if (options.json === true) printJson(HostStopJson, { stopped: false, pid: null });
            else process.stdout.write('no host runs\n');
            return;
          }
          const pid = current.host.pid;
          try {
            process.kill(pid, options.wait === true ? 'SIGUSR2' : 'SIGTERM');
          } catch (error) {
            throw new CliError(`could not signal the host (pid ${pid}): ${(error as Error).message}`, EXIT.failure);
          }
          if (options.wait === true && options.json !== true) {
            const running = await claudine.list({ statuses: ['running'], limit: 1000 });
            const own = running.tasks.filter((task) => task.owner === current.host?.id).length;
            process.stdout.write(`host (pid ${pid}) claims no more tasks; waiting for its ${own} running task(s) to finish\n`);
          }
          const deadline = Date.now() + seconds * 1000;
          while (Date.now() < deadline) {
            if (!(await claudine.hostStatus()).running) {
              if (options.json === true) printJson(HostStopJson, { stopped: true, pid });
              else process.stdout.write(`host (pid ${pid}) stopped\n`);
              return;
            }
            await sleep(options.wait === true ? 200 : 50);
          }
          throw new CliError(
            options.wait === true
              ? `the host (pid ${pid}) still runs tasks after ${seconds} s; it stops once they finish (\`claudine host stop\` stops them now)`
              : `the host (pid ${pid}) did not stop within ${seconds} s: run \`claudine host stop\` again to make it kill its tasks at once and exit`,
            EXIT.failure,
          );
        },
        { autoStartHost: false },
      );
    },
  );
}
