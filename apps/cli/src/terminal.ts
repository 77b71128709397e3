/** How output should look: colours only on a terminal, never with NO_COLOR. */
export interface Terminal {
  readonly color: boolean;
  readonly interactive: boolean;
  readonly width: number;
}

/**
 * Detects the terminal of stdout. `NO_COLOR` (any non-empty value) turns colours off, as does
 * `TERM=dumb`; `FORCE_COLOR` turns them on without a terminal. Tables fit `width`: the
 * terminal's, else `$COLUMNS`, else 100.
 */
export function detectTerminal(stream: NodeJS.WriteStream = process.stdout): Terminal {
  const interactive = stream.isTTY === true;
  const noColor = (process.env.NO_COLOR ?? '') !== '' || process.env.TERM === 'dumb';
  const forced = (process.env.FORCE_COLOR ?? '') !== '' && process.env.FORCE_COLOR !== '0';
  return {
    color: !noColor && (interactive || forced),
    interactive,
    width: terminalWidth(stream, interactive),
  };
}

// A terminal says its width (a pseudo-terminal may say 0: unknown); elsewhere $COLUMNS may.
function terminalWidth(stream: NodeJS.WriteStream, interactive: boolean): number {
  if (interactive && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 20) return columns;
  return interactive ? 80 : 100;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

/** A colour or style name. */
export type Style = keyof typeof CODES;

/** Wraps `text` in an ANSI style when colours are on. */
export function paint(terminal: Terminal, style: Style, text: string): string {
  if (!terminal.color) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Visible width of a string, ignoring ANSI codes. */
export function visibleWidth(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
  return text.replaceAll(/\u001b\[[0-9;]*m/g, '').length;
}

/** Cuts `text` to `width` characters, ending with `…` when cut. */
export function truncate(text: string, width: number): string {
  const flat = text.replaceAll(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  return `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Lays out rows as columns that fit the terminal: every column but the last gets its widest
 * cell; the last (free text) is truncated to what is left.
 */
export function table(terminal: Terminal, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ''))));
  const lastColumn = headers.length - 1;
  const used = widths.slice(0, lastColumn).reduce((sum, width) => sum + width + 2, 0);
  widths[lastColumn] = Math.max(10, Math.min(widths[lastColumn] ?? 10, terminal.width - used));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        if (column === lastColumn) return truncate(cell, widths[column] ?? 10);
        return cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleWidth(cell)));
      })
      .join('  ')
      .trimEnd();
  return [paint(terminal, 'bold', line(headers)), ...rows.map(line)].join('\n');
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago". */
export function relativeTime(from: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - from) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
