import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A `notify-send` of the test's own, first on PATH. */
export interface FakeNotifySend {
  /** PATH with the fake first. */
  readonly path: string;
  /** The arguments of each call so far, in order. */
  calls(): string[][];
}

/**
 * Writes a fake `notify-send` into `directory/bin`: it records its arguments (each ended by a
 * NUL, each call by an ASCII record separator: arguments may hold newlines) and exits 0; or,
 * with `failing`, records the call as `['failed']`, prints what libnotify prints without a
 * desktop session and exits 1.
 */
export function fakeNotifySend(directory: string, options: { readonly failing?: boolean } = {}): FakeNotifySend {
  const bin = join(directory, 'bin');
  const record = join(directory, 'notify-send-calls');
  mkdirSync(bin, { recursive: true });
  const script = options.failing
    ? `#!/bin/sh\nprintf 'failed\\0\\036' >> '${record}'\necho 'Cannot autolaunch D-Bus without X11 $DISPLAY' >&2\nexit 1\n`
    : `#!/bin/sh\nfor argument in "$@"; do printf '%s\\0' "$argument"; done >> '${record}'\nprintf '\\036' >> '${record}'\n`;
  writeFileSync(join(bin, 'notify-send'), script);
  chmodSync(join(bin, 'notify-send'), 0o755);
  return {
    path: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    calls() {
      if (!existsSync(record)) return [];
      return readFileSync(record, 'utf8')
        .split('\x1e')
        .filter((call) => call !== '')
        .map((call) => call.split('\0').slice(0, -1));
    },
  };
}
