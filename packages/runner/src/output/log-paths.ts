import { join } from 'node:path';

/** The directory holding one task's output files. */
export function taskLogDirectory(logsDirectory: string, taskId: string): string {
  return join(logsDirectory, taskId);
}

/** The file holding one task's framed output records. */
export function taskLogFile(logsDirectory: string, taskId: string): string {
  return join(logsDirectory, taskId, 'output.log');
}
