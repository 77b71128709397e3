import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './context.js';
import { EXIT } from './exit-codes.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Which app to run, and how to name it in messages. */
export interface AppBin {
  /** The package that ships the bin, e.g. `@claudine/web`. */
  readonly packageName: string;
  /** The bin's name in that package's manifest. */
  readonly bin: string;
  /** What it is, for error messages: "the dashboard". */
  readonly description: string;
}

/**
 * Runs another app's bin as a child of this process, with this process's stdio, and sets this
 * process's exit code from it. Apps never import each other, so the app is not loaded here: its
 * bin is found through its package like any installed dependency. `home` (the `--home` flag)
 * is passed on as `CLAUDINE_HOME`; a signal sent to this process only is passed on, and the app
 * handles its own shutdown.
 */
export async function runAppBin(app: AppBin, args: readonly string[], home: string | undefined): Promise<void> {
  const environment = home === undefined ? process.env : { ...process.env, CLAUDINE_HOME: resolve(home) };
  const child = spawn(process.execPath, [binPath(app), ...args], { stdio: 'inherit', env: environment });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
      child.once('error', (error) => reject(new CliError(`could not start ${app.description}: ${error.message}`, EXIT.failure)));
      child.once('exit', (exitCode, exitSignal) => resolvePromise({ code: exitCode, signal: exitSignal }));
    });
    process.exitCode = code ?? (signal === 'SIGINT' ? EXIT.cancelled : EXIT.failure);
  } finally {
    for (const forwarded of FORWARDED_SIGNALS) process.off(forwarded, forward);
  }
}

function binPath(app: AppBin): string {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${app.packageName}/package.json`);
  } catch (error) {
    throw new CliError(
      `${app.description} (${app.packageName}) is not installed next to the CLI: reinstall claudine (${(error as Error).message})`,
      EXIT.failure,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: Record<string, string> };
  const bin = manifest.bin?.[app.bin];
  if (bin === undefined) throw new CliError(`${manifestPath} names no ${app.bin} bin: reinstall claudine`, EXIT.failure);
  return join(dirname(manifestPath), bin);
}
