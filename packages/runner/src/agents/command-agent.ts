import type { Agent } from './agent.js';
import { taskEnvironment } from './agent.js';

/** Options for {@link createCommandAgent}. */
export interface CommandAgentOptions {
  /** The shell that runs the command (default `/bin/sh`). */
  readonly shell?: string;
}

/**
 * The `command` agent: the task's prompt is a shell command, run with `sh -c`. Its exit code
 * decides success; nothing is parsed from its output.
 */
export function createCommandAgent(options: CommandAgentOptions = {}): Agent {
  const shell = options.shell ?? '/bin/sh';
  return {
    kind: 'command',
    invocation(task, environment) {
      return { command: shell, args: ['-c', task.prompt], env: taskEnvironment(task, environment), stdin: null };
    },
    createParser() {
      return null;
    },
  };
}
