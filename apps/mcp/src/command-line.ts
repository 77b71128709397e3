/** What `claudine-mcp` was asked to do. */
export type McpCommand =
  | { readonly kind: 'stdio' }
  /** `port` undefined: the configured `mcp.httpPort`. */
  | { readonly kind: 'http'; readonly port: number | undefined }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

/** The usage text of `claudine-mcp` (and `claudine mcp`). */
export const USAGE = `Usage: claudine-mcp [--http [port]]

Claudine's MCP server. Without options it speaks MCP over stdio (what Claude Code starts).
  --http [port]   serve Streamable HTTP at http://127.0.0.1:<port>/mcp instead (loopback only;
                  default port: the mcp.httpPort setting, 7433; 0 picks a free one), so several
                  Claude Code sessions can share one server
  -h, --help      show this help
  -V, --version   print the version
`;

/** Parses the arguments of `claudine-mcp` (without node and the script). */
export function parseCommandLine(argv: readonly string[]): McpCommand {
  let command: McpCommand = { kind: 'stdio' };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-V' || arg === '--version') return { kind: 'version' };
    const inline = /^--http=(.*)$/.exec(arg);
    if (arg === '--http' || inline !== null) {
      const value = inline?.[1] ?? (argv[index + 1]?.startsWith('-') === false ? argv[index + 1] : undefined);
      if (inline === null && value !== undefined) index += 1;
      if (value === undefined) {
        command = { kind: 'http', port: undefined };
        continue;
      }
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
        return {
          kind: 'error',
          message: `--http "${value}" is not a port: give a number from 0 to 65535, or no value for the default (7433).`,
        };
      }
      command = { kind: 'http', port: Number(value) };
      continue;
    }
    return { kind: 'error', message: `unknown argument "${arg}": run with --help for usage.` };
  }
  return command;
}
