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

/** Options for {@link table}. */
export interface TableOptions {
  /** Columns that may be left out, first ones first, when even cut the table would not fit. */
  readonly optional?: readonly number[];
}

/**
 * Lays out rows as columns that fit the terminal. Each column starts at its widest cell; while
 * the table is too wide, the widest column but the first (the id or key, never cut) gives way,
 * down to a few characters, and its cells are cut with `…`; on a very narrow terminal the
 * `optional` columns are left out.
 */
export function table(
  terminal: Terminal,
  allHeaders: readonly string[],
  allRows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const kept = keptColumns(terminal, allHeaders, allRows, options.optional ?? []);
  const headers = kept.map((column) => allHeaders[column] ?? '');
  const rows = allRows.map((row) => kept.map((column) => row[column] ?? ''));
  const widths = headers.map((header, column) => Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ''))));
  const minimum = headers.map((_, column) => narrowestWidth(headers, rows, column));
  const total = (): number => widths.reduce((sum, width) => sum + width, 0) + 2 * (widths.length - 1);
  while (total() > terminal.width) {
    let widest = -1;
    for (let column = 1; column < widths.length; column += 1) {
      const room = (widths[column] ?? 0) - (minimum[column] ?? 0);
      if (room > 0 && (widest < 0 || (widths[column] ?? 0) > (widths[widest] ?? 0))) widest = column;
    }
    if (widest < 0) break;
    const others = widths.filter((_, column) => column !== widest && column > 0);
    const next = Math.max(minimum[widest] ?? 0, ...others, (widths[widest] ?? 0) - (total() - terminal.width));
    widths[widest] = next < (widths[widest] ?? 0) ? next : (widths[widest] ?? 0) - 1;
  }
  const lastColumn = headers.length - 1;
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        // Coloured cells are short words (a state): they are never the ones cut.
        const fitted = visibleWidth(cell) > width && !cell.includes('\u001b[') ? truncate(cell, width) : cell;
        return column === lastColumn ? fitted : fitted + ' '.repeat(Math.max(0, width - visibleWidth(fitted)));
      })
      .join('  ')
      .trimEnd();
  return [paint(terminal, 'bold', line(headers)), ...rows.map(line)].join('\n');
}

// How narrow a column may get: the first (ids, keys) and coloured ones (states) are never cut;
// others keep a few characters.
function narrowestWidth(headers: readonly string[], rows: readonly (readonly string[])[], column: number): number {
  const natural = Math.max(visibleWidth(headers[column] ?? ''), ...rows.map((row) => visibleWidth(row[column] ?? '')));
  if (column === 0 || rows.some((row) => (row[column] ?? '').includes('\u001b['))) return natural;
  return Math.min(natural, visibleWidth(headers[column] ?? '') + 2);
}

// The columns to show: all of them, unless their narrowest layout is still too wide.
function keptColumns(
  terminal: Terminal,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  optional: readonly number[],
): number[] {
  const narrowest = (column: number): number => narrowestWidth(headers, rows, column);
  const kept = headers.map((_, column) => column);
  const width = (): number => kept.reduce((sum, column) => sum + narrowest(column), 0) + 2 * (kept.length - 1);
  for (const column of optional) {
    if (width() <= terminal.width) break;
    kept.splice(kept.indexOf(column), 1);
  }
  return kept;
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago". */
export function relativeTime(from: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - from) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
