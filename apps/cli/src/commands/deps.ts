import type { Command } from 'commander';
import { printJson, withClaudine } from '../context.js';
import { paintStatus } from '../format-task.js';
import { withExamples } from '../help-examples.js';
import { TaskJson } from '../json-shapes.js';
import { collectList } from '../parse-options.js';
import { paint } from '../terminal.js';

interface DepsOptions {
  add?: string[];
  remove?: string[];
  json?: boolean;
}

/** `claudine deps <id>`: show, add or remove the dependencies of a task. */
export function registerDeps(program: Command): void {
  const deps = program
    .command('deps')
    .summary('show or change what a task waits for')
    .description(
      "Shows the dependencies of a task and which of them it still waits for. --add and --remove change them while the task is queued, all in one go: an unknown id or an edge that would close a cycle refuses the whole change, naming the cycle. A dependency that already failed applies the task's policy at once.",
    )
    .argument('<id>', 'task id')
    .option('--add <id>', 'make the task wait for this one too (repeatable, or comma-separated)', collectList, [])
    .option('--remove <id>', 'stop waiting for this one (repeatable, or comma-separated)', collectList, [])
    .option('--json', 'print the task as JSON');
  withExamples(deps, [
    'claudine deps 7hq2w0v9xe',
    'claudine deps 7hq2w0v9xe --add 3k9x2m4qab',
    'claudine deps 7hq2w0v9xe --remove 3k9x2m4qab --add 5d1ka8r0tw',
  ]).action(async (id: string, options: DepsOptions, command: Command) => {
    await withClaudine(
      command,
      async (claudine, terminal) => {
        const add = options.add ?? [];
        const remove = options.remove ?? [];
        const task =
          add.length === 0 && remove.length === 0 ? await claudine.get(id) : await claudine.updateDependencies(id, { add, remove });
        if (options.json === true) {
          printJson(TaskJson, task);
          return;
        }
        const lines = [
          `${paint(terminal, 'bold', task.id)}  ${paintStatus(terminal, task)}  (if a dependency fails: ${task.dependencyPolicy})`,
        ];
        if (task.dependsOn.length === 0) lines.push('  depends on nothing');
        for (const dependency of task.dependsOn) {
          const waiting = task.blockedBy.includes(dependency);
          lines.push(`  ${waiting ? paint(terminal, 'yellow', 'waits for') : paint(terminal, 'dim', 'depends on')} ${dependency}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      },
      { autoStartHost: true },
    );
  });
}
