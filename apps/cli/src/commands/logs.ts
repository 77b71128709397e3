import type { OutputDamage, OutputStream, Task } from '@claudine/core';
import { type Claudine, formatBytes, tailClaudeTranscript } from '@claudine/runtime';
import type { Command } from 'commander';
import { CliError, printJson, printJsonLine, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { withExamples } from '../help-examples.js';
import { LogRecordJson, LogsJson } from '../json-shapes.js';
import { createOutputPrinter } from '../output-printer.js';
import { paint, type Terminal } from '../terminal.js';

interface LogsOptions {
  follow?: boolean;
  tail?: string;
  offset?: string;
  stdout?: boolean;
  stderr?: boolean;
  raw?: boolean;
  json?: boolean;
}

// --json without --follow prints one document; it holds at most this much output.
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** `claudine logs <id>`: a task's output, whole, tailed or followed. */
export function registerLogs(program: Command): void {
  const logs = program
    .command('logs')
    .summary("print a task's output")
    .description(
      "Prints a task's output: its stdout on stdout and its stderr on stderr, byte for byte, and Claudine's own notes (dimmed, on stderr). For claude tasks the stream-json is shown as a readable transcript unless --raw is given. With --follow it keeps printing as output comes, and ends when the task ends. Compressed and segmented logs read the same.",
    )
    .argument('<id>', 'task id')
    .option('-f, --follow', 'keep printing output as it comes until the task ends')
    .option('-n, --tail <lines>', 'only the last lines (of the transcript, for claude tasks)')
    .option('--offset <position>', 'start at this log position (a nextOffset from --json)')
    .option('--stdout', 'only stdout')
    .option('--stderr', 'only stderr')
    .option('--raw', 'claude tasks: print the raw stream-json')
    .option(
      '--json',
      'print JSON: { records: [{ stream, time, text, offset }], startOffset, nextOffset, atEnd, damage }; with --follow, one record per line',
    );
  withExamples(logs, [
    'claudine logs 3k9x2m4qab',
    'claudine logs -f 3k9x2m4qab',
    'claudine logs --tail 50 --stderr 3k9x2m4qab',
    'claudine logs --json --offset 1048576 3k9x2m4qab',
  ]).action(async (id: string, options: LogsOptions, command: Command) => {
    await withClaudine(command, (claudine, terminal) => printLogs(claudine, terminal, id, options), { autoStartHost: true });
  });
}

async function printLogs(claudine: Claudine, terminal: Terminal, id: string, options: LogsOptions): Promise<void> {
  const task = await claudine.get(id);
  const streams: OutputStream[] =
    options.stdout === true || options.stderr === true
      ? [...(options.stdout === true ? ['stdout' as const] : []), ...(options.stderr === true ? ['stderr' as const] : [])]
      : ['stdout', 'stderr', 'system'];
  const tail = wholeNumber(options.tail, '--tail');
  let offset = wholeNumber(options.offset, '--offset') ?? 0;
  if (tail !== undefined && options.offset !== undefined)
    throw new CliError('--tail and --offset do not go together: pick one', EXIT.usage);
  const transcript = task.agent === 'claude' && options.raw !== true;

  if (options.json === true && options.follow !== true) {
    const slice =
      tail === undefined
        ? await claudine.output.read(id, { offset, streams, maxBytes: MAX_JSON_BYTES })
        : await claudine.output.tail(id, tail, { streams });
    await printJson(LogsJson, {
      records: slice.records,
      startOffset: slice.startOffset,
      nextOffset: slice.nextOffset,
      atEnd: slice.atEnd,
      damage: slice.damage ?? [],
    });
    return;
  }

  const printer = createOutputPrinter({ terminal, transcript, oneStream: streams.length === 1 });
  const showDamage = async (damage: readonly OutputDamage[] | undefined): Promise<void> => {
    for (const item of damage ?? []) await printer.damage(item);
  };
  let printed = false;
  if (tail !== undefined) {
    const slice = transcript
      ? await tailClaudeTranscript(claudine.output, id, { lines: tail, streams })
      : await claudine.output.tail(id, tail, { streams });
    await showDamage(slice.damage);
    await printer.printText(slice.records);
    printed = slice.records.length > 0;
    offset = slice.nextOffset;
  }
  let finished: Task = task;
  if (tail === undefined || options.follow === true) {
    // Ctrl-C ends a follow quietly; without --follow it interrupts as it does any command.
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    if (options.follow === true) process.once('SIGINT', onInterrupt);
    const followOptions = {
      offset,
      streams,
      signal: controller.signal,
      onDamage: (damage: OutputDamage) => void printer.damage(damage),
      // Without --follow: what is stored now, then stop.
      stopAtEnd: options.follow !== true,
    };
    try {
      finished =
        options.json === true
          ? await claudine.followOutput(
              id,
              async (records) => {
                printed ||= records.length > 0;
                for (const record of records) await printJsonLine(LogRecordJson, record);
              },
              followOptions,
            )
          : await claudine.followOutputBytes(
              id,
              (chunks) => {
                printed ||= chunks.length > 0;
                return printer.print(chunks);
              },
              followOptions,
            );
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  }
  await printer.flush();
  await explainMissingOutput(claudine, terminal, finished, printed);
  if (printer.damaged) process.exitCode = EXIT.storage;
}

// Says why output is absent or incomplete when the log cannot say it itself.
async function explainMissingOutput(claudine: Claudine, terminal: Terminal, task: Task, printed: boolean): Promise<void> {
  const info = await claudine.outputInfo(task.id);
  if (info?.deletedAt != null && !printed) {
    process.stderr.write(
      `claudine: the output of task ${task.id} was deleted on ${new Date(info.deletedAt).toISOString()}, after the retention period (output.retention).\n`,
    );
    process.exitCode = EXIT.notFound;
    return;
  }
  if (task.outputTruncated && info?.truncatedReason != null) {
    const note = `claudine: output truncated, ${formatBytes(info.droppedBytes)} dropped: ${info.truncatedReason}`;
    process.stderr.write(`${paint(terminal, 'yellow', note)}\n`);
  }
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new CliError(`${flag} takes a whole number, 0 or more`, EXIT.usage);
  return number;
}
