import type { OutputChunk, OutputDamage, OutputRecord, OutputStream } from '@claudine/core';
import { createClaudeTranscriptRenderer } from '@claudine/runtime';
import { writeStderr, writeStdout } from './stream-writer.js';
import { paint, type Terminal } from './terminal.js';

/** Options for {@link createOutputPrinter}. */
export interface OutputPrinterOptions {
  readonly terminal: Terminal;
  /** Render Claude's stream-json as a readable transcript (claude tasks, unless --raw). */
  readonly transcript: boolean;
  /** Writes to stdout; a promise means "wait before writing more" (default: process.stdout). */
  readonly write?: (data: string | Uint8Array) => Promise<void> | undefined;
  /** Writes to stderr, likewise. */
  readonly writeError?: (data: string | Uint8Array) => Promise<void> | undefined;
}

/**
 * Prints output as it comes. Every method resolves once stdout and stderr can take more, so a
 * caller that awaits each call holds little output in memory however slow the reader is.
 */
export interface OutputPrinter {
  /** Prints output as the task wrote it. */
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
  const writers: Readonly<Record<OutputStream, (data: string | Uint8Array) => Promise<void> | undefined>> = {
    stdout: options.write ?? writeStdout,
    stderr: options.writeError ?? writeStderr,
    // Claudine's own notes are no part of what the task printed: stdout stays exactly the task's.
    system: options.writeError ?? writeStderr,
  };
  const held: Record<OutputStream, Uint8Array> = { stdout: EMPTY, stderr: EMPTY, system: EMPTY };
  const transcript = options.transcript ? createClaudeTranscriptRenderer() : undefined;
  let damaged = false;

  async function emit(stream: OutputStream, parts: readonly Uint8Array[]): Promise<void> {
    if (parts.length === 0) return;
    if (stream !== 'system') {
      for (const part of gathered(parts)) await writers[stream](part);
      return;
    }
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    // Claudine's notes are whole lines of text, each painted on its own.
    const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
    const rest = lines.pop() ?? '';
    const painted = lines.map((line) => `${paint(options.terminal, 'dim', line)}\n`).join('');
    await writers.system(rest === '' ? painted : `${painted}${paint(options.terminal, 'dim', rest)}`);
  }

  async function printChunks(chunks: readonly OutputChunk[]): Promise<void> {
    let stream: OutputStream | undefined;
    let parts: Uint8Array[] = [];
    for (const chunk of chunks) {
      if (chunk.stream !== stream) {
        if (stream !== undefined) await emit(stream, parts);
        stream = chunk.stream;
        parts = [];
      }
      const before = held[stream];
      const bytes = chunk.bytes;
      const newline = bytes.lastIndexOf(NEWLINE);
      if (newline === -1 && before.length + bytes.length < MAX_HELD_BYTES) {
        held[stream] = before.length === 0 ? Uint8Array.from(bytes) : Buffer.concat([before, bytes]);
        continue;
      }
      const cut = newline === -1 || bytes.length - newline - 1 >= MAX_HELD_BYTES ? bytes.length : newline + 1;
      if (before.length > 0) parts.push(before);
      parts.push(cut === bytes.length ? bytes : bytes.subarray(0, cut));
      // A copy: the chunk's bytes are a view of a buffer the reader lets go of.
      held[stream] = cut === bytes.length ? EMPTY : Uint8Array.from(bytes.subarray(cut));
    }
    if (stream !== undefined) await emit(stream, parts);
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
      await writers.stderr(`${paint(options.terminal, 'yellow', `claudine: ${damage.message}`)}\n`);
    },
    get damaged() {
      return damaged;
    },
    async flush() {
      if (transcript !== undefined) await printChunks(transcript.flush().map(encode));
      for (const stream of ['stdout', 'stderr', 'system'] as const) {
        const rest = held[stream];
        held[stream] = EMPTY;
        await emit(stream, rest.length === 0 ? [] : [rest]);
      }
    },
  };
}

// Small parts are joined, so that a log of many small records costs a write per stretch of them
// rather than one per record; large ones are written as they are, which copies nothing.
function gathered(parts: readonly Uint8Array[]): Uint8Array[] {
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
