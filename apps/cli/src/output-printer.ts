import type { OutputDamage, OutputRecord, OutputStream } from '@claudine/core';
import { createClaudeTranscriptRenderer } from '@claudine/runtime';
import { paint, type Terminal } from './terminal.js';

/** Options for {@link createOutputPrinter}. */
export interface OutputPrinterOptions {
  readonly terminal: Terminal;
  /** Render Claude's stream-json as a readable transcript (claude tasks, unless --raw). */
  readonly transcript: boolean;
  readonly write?: (text: string) => void;
  readonly writeError?: (text: string) => void;
}

/** Prints output records as they come, whole lines at a time. */
export interface OutputPrinter {
  print(records: readonly OutputRecord[]): void;
  /** Says (on stderr) that part of the log was skipped because it is missing or damaged. */
  damage(damage: OutputDamage): void;
  /** True once {@link OutputPrinter.damage} was called. */
  readonly damaged: boolean;
  /** Prints what is left of unfinished lines. */
  flush(): void;
}

/**
 * Prints task output: stdout to stdout, stderr to stderr, Claudine's own notes dimmed. With
 * `transcript`, stdout lines of stream-json are rendered readable.
 */
export function createOutputPrinter(options: OutputPrinterOptions): OutputPrinter {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  const partial: Record<OutputStream, string> = { stdout: '', stderr: '', system: '' };
  const transcript = options.transcript ? createClaudeTranscriptRenderer() : undefined;
  let damaged = false;

  function emitLine(stream: OutputStream, line: string): void {
    if (stream === 'system') write(`${paint(options.terminal, 'dim', line)}\n`);
    else if (stream === 'stderr') writeError(`${line}\n`);
    else write(`${line}\n`);
  }

  function printLines(records: readonly OutputRecord[]): void {
    for (const record of records) {
      const lines = (partial[record.stream] + record.text).split('\n');
      partial[record.stream] = lines.pop() ?? '';
      for (const line of lines) emitLine(record.stream, line);
    }
  }

  return {
    print(records) {
      printLines(transcript === undefined ? records : transcript.push(records));
    },
    damage(damage) {
      damaged = true;
      writeError(`${paint(options.terminal, 'yellow', `claudine: ${damage.message}`)}\n`);
    },
    get damaged() {
      return damaged;
    },
    flush() {
      if (transcript !== undefined) printLines(transcript.flush());
      for (const stream of ['stdout', 'stderr', 'system'] as const) {
        if (partial[stream] !== '') emitLine(stream, partial[stream]);
        partial[stream] = '';
      }
    },
  };
}
