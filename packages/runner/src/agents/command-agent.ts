import type { Agent } from './agent.js';
import { taskEnvironment } from './agent.js';

/** Options for {@link createCommandAgent}. */
export interface CommandAgentOptions {
  /** The shell that runs the command (default `/bin/sh`). */
  readonly shell?: string;
}

/**
 * The `command` agent: the task's prompt is a shell script, run by the shell from a private
 * file (`sh <file>`, so its size is not bound by the system's limit on arguments). Its stdin
 * is empty (/dev/null): reading it gives end of file at once. Its exit code decides success;
 * nothing is parsed from its output.
 */
export function createCommandAgent(options: CommandAgentOptions = {}): Agent {
  const shell = options.shell ?? '/bin/sh';
  return {
    kind: 'command',
    invocation(task, environment) {
      return { command: shell, args: [], env: taskEnvironment(task, environment), stdin: null, script: task.prompt };
    },
    createParser() {
      return null;
    },
  };
}
