/** What `claudine-web` was asked to do. */
export type WebCommand =
  /** `port` undefined: the default port. */
  | { readonly kind: 'serve'; readonly port: number | undefined; readonly open: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

/** The usage text of `claudine-web` (and `claudine ui`). */
export const USAGE = `Usage: claudine-web [--port <port>] [--open]

Claudine's dashboard: serves a page at http://127.0.0.1:<port>/ (loopback only) to watch and
steer tasks. It prints a link that carries the data directory's access token once; open it.
  --port <port>   listen on this port (default 7434; 0 picks a free one)
  --open          open the link in the default browser ($BROWSER, else xdg-open or open)
  -h, --help      show this help
  -V, --version   print the version
`;

/** Parses the arguments of `claudine-web` (without node and the script). */
export function parseCommandLine(argv: readonly string[]): WebCommand {
  let port: number | undefined;
  let open = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-V' || arg === '--version') return { kind: 'version' };
    if (arg === '--open') {
      open = true;
      continue;
    }
    const inline = /^--port=(.*)$/.exec(arg);
    if (arg === '--port' || inline !== null) {
      const value = inline?.[1] ?? argv[index + 1];
      if (inline === null) index += 1;
      if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
        return {
          kind: 'error',
          message: `--port ${value === undefined ? 'needs a value' : `"${value}" is not a port`}: give a number from 0 to 65535.`,
        };
      }
      port = Number(value);
      continue;
    }
    return { kind: 'error', message: `unknown argument "${arg}": run with --help for usage.` };
  }
  return { kind: 'serve', port, open };
}
