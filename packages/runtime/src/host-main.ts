// Entry point of a host process: `node host-main.js --home <dir> [--exit-when-idle] [--shared]`.
// Clients start it detached when there is work and no live host; `claudine host` runs the
// same host in the foreground.
import { isClaudineError } from '@claudine/core';
import { runHostProcess } from './run-host-process.js';

// The host's log lines go out together at the end of each turn of the event loop: a host that
// starts and finishes many tasks would otherwise make a write for every line. What is pending
// is written before the process exits; a SIGKILL loses at most the lines of one turn.
let pending = '';
function flushLog(): void {
  if (pending === '') return;
  const text = pending;
  pending = '';
  process.stderr.write(text);
}
function log(line: string): void {
  if (pending === '') setImmediate(flushLog);
  pending += `${new Date().toISOString()} ${line}\n`;
}
process.on('exit', flushLog);

const args = process.argv.slice(2);
const homeIndex = args.indexOf('--home');
const home = homeIndex === -1 ? undefined : args[homeIndex + 1];

runHostProcess({
  ...(home === undefined ? {} : { home }),
  exitWhenIdle: args.includes('--exit-when-idle'),
  lock: !args.includes('--shared'),
  log,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(isClaudineError(error) ? error.message : String(error));
    process.exit(isClaudineError(error) && error.code === 'host_running' ? 3 : 1);
  },
);
