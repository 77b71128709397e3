import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type BatchTaskInput, parseBatchTask, type SubmitRequest } from '@claudine/runtime';
import { CliError } from './context.js';
import { EXIT } from './exit-codes.js';

/**
 * Reads `run --batch` input (a file, or `-` for stdin): JSON lines, one task each. Lines are
 * read and checked one at a time, so only the tasks are held, never the whole input; blank
 * lines are skipped. Throws a usage error naming the line (and the field) at the first invalid one.
 */
export async function readBatchLines(
  source: string,
  context: { readonly directory: string; readonly defaults: Partial<SubmitRequest> },
): Promise<BatchTaskInput[]> {
  const stream = source === '-' ? process.stdin : createReadStream(source);
  const opened = new Promise<void>((resolve, reject) => {
    if (source === '-') resolve();
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot read the batch ${source}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, EXIT.usage)),
    );
    stream.once('open', () => resolve());
  });
  await opened;
  const tasks: BatchTaskInput[] = [];
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CliError(`line ${line}: not JSON (${(error as Error).message}); each line is one task, like {"prompt": "..."}`, EXIT.usage);
    }
    tasks.push(parseBatchTask(value, { directory: context.directory, defaults: context.defaults, label: `line ${line}` }));
  }
  if (tasks.length === 0)
    throw new CliError(`the batch ${source === '-' ? 'on stdin' : source} has no task: one JSON object per line`, EXIT.usage);
  return tasks;
}
