// Entry point of a host process: `node host-main.js --home <dir> [--exit-when-idle] [--shared]`.
// Clients start it detached when there is work and no live host; `claudine host` runs the
// same host in the foreground.
import { isClaudineError } from '@claudine/core';
import { runHostProcess } from './run-host-process.js';

const args = process.argv.slice(2);
const homeIndex = args.indexOf('--home');
const home = homeIndex === -1 ? undefined : args[homeIndex + 1];

runHostProcess({
  ...(home === undefined ? {} : { home }),
  exitWhenIdle: args.includes('--exit-when-idle'),
  lock: !args.includes('--shared'),
  log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${new Date().toISOString()} ${isClaudineError(error) ? error.message : String(error)}\n`);
    process.exit(isClaudineError(error) && error.code === 'host_running' ? 3 : 1);
  },
);
