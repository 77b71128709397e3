// Entry point of a host process:
//   node host-main.js --home <dir> [--exit-when-idle] [--shared] [--log-file <path>]
// Clients start it detached when there is work and no live host (with --log-file host.log);
// `claudine host` runs the same host in the foreground.
import { isClaudineError } from '@claudine/core';
import { hostLogOnStream, openHostLogFile } from './host-log.js';
import { runHostProcess } from './run-host-process.js';

const args = process.argv.slice(2);
const flagValue = (flag: string): string | undefined => {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
};
const home = flagValue('--home');
const logFile = flagValue('--log-file');

// Whatever stderr is (a pipe the starting client has closed, /dev/full), writing to it must
// never end the host.
const stderr = hostLogOnStream(process.stderr);
const hostLog = logFile === undefined ? stderr : openHostLogFile({ path: logFile });

// The host's log lines go out together at the end of each turn of the event loop: a host that
// starts and finishes many tasks would otherwise make a write for every line. What is pending
// is written before the process exits; a SIGKILL loses at most the lines of one turn.
let pending = '';
function flushLog(): void {
  if (pending === '') return;
  const text = pending;
  pending = '';
  hostLog.write(text);
}
function log(line: string): void {
  if (pending === '') setImmediate(flushLog);
  pending += `${new Date().toISOString()} ${line}\n`;
}
process.on('exit', flushLog);

// A client that started this host reads its stderr until it holds the lock, so a host that
// cannot start tells that client why, in its own words, even on a disk too full for a log.
function fatal(message: string, code: number): never {
  log(message);
  flushLog();
  if (hostLog !== stderr) stderr.write(`${message}\n`);
  process.exit(code);
}
process.on('uncaughtException', (error) => fatal(`host crashed: ${error.stack ?? String(error)}`, 1));
process.on('warning', (warning) => log(`warning: ${warning.message}`));

runHostProcess({
  ...(home === undefined ? {} : { home }),
  exitWhenIdle: args.includes('--exit-when-idle'),
  lock: !args.includes('--shared'),
  log,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    fatal(isClaudineError(error) ? error.message : String(error), isClaudineError(error) && error.code === 'host_running' ? 3 : 1);
  },
);
