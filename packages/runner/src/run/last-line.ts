// Enough of the end of a stream to hold its last line, as far as a failure reason shows it.
const TAIL_BYTES = 4096;
// A failure reason stays short: it is shown in one line of `status` and `ls`.
const MAX_LINE = 300;

/**
 * The last non-empty line of a stream (an agent's stderr), for a failure reason: it keeps only
 * the end of what it was given, so it costs the same for a line and for gigabytes.
 */
export class LastLine {
  #tail = '';

  /** Takes the next chunk of the stream. */
  add(chunk: Buffer): void {
    // A character cut at the start of the slice decodes as U+FFFD: only a line that long loses it.
    const text = chunk.subarray(Math.max(0, chunk.length - TAIL_BYTES)).toString('utf8');
    this.#tail = this.#tail.length + text.length > TAIL_BYTES ? (this.#tail + text).slice(-TAIL_BYTES) : this.#tail + text;
  }

  /** The last line with something printable on it, cleaned of terminal escapes and cut short. */
  get value(): string | undefined {
    const lines = this.#tail.split('\n');
    for (let index = lines.length - 1; index >= 0; index -= 1) {
      const line = printable(visible(lines[index] ?? '')).trim();
      if (line !== '') return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
    }
    return undefined;
  }
}

// What a terminal leaves of a line overwritten with carriage returns (progress bars).
function visible(line: string): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  return text.slice(text.lastIndexOf('\r') + 1);
}

// Drops ANSI escape sequences (colours, cursor moves) and other control characters.
function printable(line: string): string {
  let text = '';
  for (let index = 0; index < line.length; index += 1) {
    const code = line.charCodeAt(index);
    if (code === 0x1b) {
      // ESC [ parameters... final byte (0x40-0x7e); a lone ESC just goes.
      if (line[index + 1] === '[') {
        index += 2;
        while (index < line.length && !(line.charCodeAt(index) >= 0x40 && line.charCodeAt(index) <= 0x7e)) index += 1;
      }
      continue;
    }
    if (code === 0x09) text += ' ';
    else if (code >= 0x20 && code !== 0x7f) text += line[index];
  }
  return text;
}
