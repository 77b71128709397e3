import type { OutputChunk, OutputDamage, OutputRecord, OutputStream } from '@claudine/core';
import { createClaudeTranscriptRenderer } from '@claudine/runtime';
import { createStreamWriter, type StreamWriter } from './stream-writer.js';
import { paint, type Terminal } from './terminal.js';

/** Options for {@link createOutputPrinter}. */
export interface OutputPrinterOptions {
  readonly terminal: Terminal;
  /** Render Claude's stream-json as a readable transcript (claude tasks, unless --raw). */
  readonly transcript: boolean;
  /**
   * Only one stream is printed (`logs --stdout`): nothing can cut into its lines, so output is
   * printed as it comes, unfinished lines included (a live progress bar shows at once).
   */
  readonly oneStream?: boolean;
  /** Where stdout goes (default: process.stdout). */
  readonly stdout?: StreamWriter;
  /** Where stderr goes (default: process.stderr). */
  readonly stderr?: StreamWriter;
}

/**
 * Prints output as it comes. Every method resolves once what it printed has left the process,
 * so a caller that awaits each call holds little output in memory however slow the reader is.
 */
export interface OutputPrinter {
  /**
   * Prints output as the task wrote it. The chunks' bytes are written from where they are, not
   * copied: they may be reused once the promise resolved, not before.
   */
  print(chunks: readonly OutputChunk[]): Promise<void>;
  /** Prints output read as text (tails). */
  printText(records: readonly OutputRecord[]): Promise<void>;
  /** Says (on stderr) that part of the log was skipped because it is missing or damaged. */
  damage(damage: OutputDamage): Promise<void>;
  /** True once {@link OutputPrinter.damage} was called. */
  readonly damaged: boolean;
  /** Prints what is left of unfinished lines, as they are (no newline is added). */
  flush(): Promise<void>;
}

// An unfinished line is held back (so that stdout and stderr lines sharing a terminal do not
// cut into each other) only while it is shorter than this; a longer one is printed as it comes.
const MAX_HELD_BYTES = 64 * 1024;
const GATHER_BELOW_BYTES = 16 * 1024;
const NEWLINE = 0x0a;
const EMPTY = new Uint8Array(0);

/**
 * Prints task output: stdout to stdout, stderr to stderr, byte for byte, and Claudine's own
 * notes (the `system` stream) dimmed, on stderr. With `transcript`, stdout lines of stream-json
 * are rendered readable. Output of one stream is printed whole lines at a time when it can be,
 * the last unfinished line at {@link OutputPrinter.flush}.
 */
export function createOutputPrinter(options: OutputPrinterOptions): OutputPrinter {
  const stdout = options.stdout ?? createStreamWriter(process.stdout);
  const stderr = options.stderr ?? createStreamWriter(process.stderr);
  // Claudine's own notes are no part of what the task printed: stdout stays exactly the task's.
  const writers: Readonly<Record<OutputStream, StreamWriter>> = { stdout, stderr, system: stderr };
  const held: Record<OutputStream, Uint8Array> = { stdout: EMPTY, stderr: EMPTY, system: EMPTY };
  const transcript = options.transcript ? createClaudeTranscriptRenderer() : undefined;
  let damaged = false;

  function emit(stream: OutputStream, parts: readonly Uint8Array[]): void {
    if (parts.length === 0) return;
    if (stream !== 'system') {
      for (const part of gathered(parts)) writers[stream].write(part);
      return;
    }
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    // Claudine's notes are whole lines of text, each painted on its own.
    const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
    const rest = lines.pop() ?? '';
    const painted = lines.map((line) => `${paint(options.terminal, 'dim', line)}\n`).join('');
    writers.system.write(rest === '' ? painted : `${painted}${paint(options.terminal, 'dim', rest)}`);
  }

  async function settled(): Promise<void> {
    await Promise.all([stdout.settled(), stderr.settled()]);
  }

  async function printChunks(chunks: readonly OutputChunk[]): Promise<void> {
    let stream: OutputStream | undefined;
    let parts: Uint8Array[] = [];
    for (const chunk of chunks) {
      if (chunk.stream !== stream) {
        if (stream !== undefined) emit(stream, parts);
        stream = chunk.stream;
        parts = [];
      }
      const bytes = chunk.bytes;
      if (options.oneStream === true) {
        parts.push(bytes);
        continue;
      }
      const before = held[stream];
      const newline = bytes.lastIndexOf(NEWLINE);
      if (newline === -1 && before.length + bytes.length < MAX_HELD_BYTES) {
        held[stream] = before.length === 0 ? Buffer.from(bytes) : Buffer.concat([before, bytes]);
        continue;
      }
      const cut = newline === -1 || bytes.length - newline - 1 >= MAX_HELD_BYTES ? bytes.length : newline + 1;
      if (before.length > 0) parts.push(before);
      parts.push(cut === bytes.length ? bytes : bytes.subarray(0, cut));
      // Copies: the chunk's bytes are a view of a buffer the reader reuses.
      held[stream] = cut === bytes.length ? EMPTY : Buffer.from(bytes.subarray(cut));
    }
    if (stream !== undefined) emit(stream, parts);
    await settled();
  }

  function render(records: readonly OutputRecord[]): Promise<void> {
    const rendered = transcript === undefined ? records : transcript.push(records);
    return printChunks(rendered.map(encode));
  }

  return {
    print(chunks) {
      return transcript === undefined ? printChunks(chunks) : render(chunks.map(decode));
    },
    printText(records) {
      return render(records);
    },
    async damage(damage) {
      damaged = true;
      stderr.write(`${paint(options.terminal, 'yellow', `claudine: ${damage.message}`)}\n`);
      await settled();
    },
    get damaged() {
      return damaged;
    },
    async flush() {
      if (transcript !== undefined) await printChunks(transcript.flush().map(encode));
      for (const stream of ['stdout', 'stderr', 'system'] as const) {
        const rest = held[stream];
        held[stream] = EMPTY;
        emit(stream, rest.length === 0 ? [] : [rest]);
      }
      await settled();
    },
  };
}

// Parts that lie side by side in memory (records read into one buffer) become one view, and
// other small parts are joined, so that a log of many records costs a write per stretch of them
// rather than one per record; large ones are written as they are, which copies nothing.
function gathered(parts: readonly Uint8Array[]): Uint8Array[] {
  const adjacent: Uint8Array[] = [];
  for (const part of parts) {
    const last = adjacent[adjacent.length - 1];
    if (last !== undefined && last.buffer === part.buffer && last.byteOffset + last.byteLength === part.byteOffset) {
      adjacent[adjacent.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + part.byteLength);
    } else adjacent.push(part);
  }
  return joinedSmall(adjacent);
}

function joinedSmall(parts: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let small: Uint8Array[] = [];
  let smallBytes = 0;
  const join = (): void => {
    if (small.length > 0) out.push(small.length === 1 ? (small[0] as Uint8Array) : Buffer.concat(small, smallBytes));
    small = [];
    smallBytes = 0;
  };
  for (const part of parts) {
    if (part.length >= GATHER_BELOW_BYTES) {
      join();
      out.push(part);
      continue;
    }
    small.push(part);
    smallBytes += part.length;
    if (smallBytes >= GATHER_BELOW_BYTES) join();
  }
  join();
  return out;
}

function decode(chunk: OutputChunk): OutputRecord {
  const text = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('utf8');
  return { stream: chunk.stream, time: chunk.time, text, offset: chunk.offset };
}

function encode(record: OutputRecord): OutputChunk {
  return { stream: record.stream, time: record.time, bytes: Buffer.from(record.text, 'utf8'), offset: record.offset };
}
