import type { OutputStream } from '@claudine/core';
import type { Command } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { createOutputPrinter } from '../output-printer.js';

interface LogsOptions {
  follow?: boolean;
  tail?: string;
  stdout?: boolean;
  stderr?: boolean;
  raw?: boolean;
  json?: boolean;
}

/** `claudine logs <id>`: a task's output, whole, tailed or followed. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .summary("print a task's output")
    .description(
      "Prints a task's output: stdout, stderr, and Claudine's own notes (dimmed). For claude tasks the stream-json is shown as a readable transcript unless --raw is given.",
    )
    .argument('<id>', 'task id')
    .option('-f, --follow', 'keep printing output as it comes until the task ends')
    .option('-n, --tail <lines>', 'only the last lines')
    .option('--stdout', 'only stdout')
    .option('--stderr', 'only stderr')
    .option('--raw', 'claude tasks: print the raw stream-json')
    .option('--json', 'print JSON: { records: [{ stream, time, text }], nextOffset }')
    .addHelpText(
      'after',
      `
Examples:
  $ claudine logs 3k9x2m4qab
  $ claudine logs -f 3k9x2m4qab
  $ claudine logs --tail 50 --stderr 3k9x2m4qab`,
    )
    .action(async (id: string, options: LogsOptions, command: Command) => {
      await withClaudine(
        command,
        async (claudine, terminal) => {
          const task = await claudine.get(id);
          const streams: OutputStream[] =
            options.stdout === true || options.stderr === true
              ? [...(options.stdout === true ? ['stdout' as const] : []), ...(options.stderr === true ? ['stderr' as const] : [])]
              : ['stdout', 'stderr', 'system'];
          let tail: number | undefined;
          if (options.tail !== undefined) {
            tail = Number(options.tail);
            if (!Number.isInteger(tail) || tail < 0) throw new CliError('--tail takes a whole number of lines', EXIT.usage);
          }
          const printer = createOutputPrinter({ terminal, transcript: task.agent === 'claude' && options.raw !== true });
          if (options.json === true && options.follow !== true) {
            const slice =
              tail === undefined
                ? await claudine.output.read(id, { streams, maxBytes: 64 * 1024 * 1024 })
                : await claudine.output.tail(id, tail, streams);
            printJson({ records: slice.records, nextOffset: slice.nextOffset });
            return;
          }
          let offset = 0;
          if (tail !== undefined) {
            const slice = await claudine.output.tail(id, tail, streams);
            printer.print(slice.records);
            offset = slice.nextOffset;
          } else if (options.follow !== true) {
            for (;;) {
              const slice = await claudine.output.read(id, { offset, streams });
              printer.print(slice.records);
              offset = slice.nextOffset;
              if (slice.atEnd) break;
            }
          }
          if (options.follow === true) {
            const controller = new AbortController();
            const onInterrupt = (): void => controller.abort();
            process.once('SIGINT', onInterrupt);
            try {
              await claudine.followOutput(
                id,
                (records) => {
                  if (options.json !== true) printer.print(records);
                  else for (const record of records) printJson(record);
                },
                { offset, streams, signal: controller.signal },
              );
            } finally {
              process.off('SIGINT', onInterrupt);
            }
          }
          printer.flush();
        },
        { autoStartHost: false },
      );
    });
}
