import { graphDocument, renderDot, renderMermaid } from '@claudine/runtime';
import { type Command, Option } from 'commander';
import { CliError, printJson, withClaudine } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { drawGraphTree, graphSummary } from '../graph-tree.js';
import { withExamples } from '../help-examples.js';
import { GraphJson } from '../json-shapes.js';
import { paint } from '../terminal.js';

const FORMATS = ['tree', 'mermaid', 'dot'] as const;

interface GraphOptions {
  format?: (typeof FORMATS)[number];
  limit?: string;
  json?: boolean;
}

/** `claudine graph [id]`: draw a workflow (the dependency graph), or export it. */
export function registerGraph(program: Command): void {
  const graphCommand = program
    .command('graph')
    .summary('draw the dependency graph of a workflow')
    .description(
      'Draws the workflow of a task: every task linked to it by dependencies, each with the tasks that wait for it below it. Without an id, draws the workflows of queued and running tasks (or, if none, the latest workflow). --format mermaid or dot exports it for a diagram.',
    )
    .argument('[id]', 'a task of the workflow')
    .addOption(new Option('-f, --format <format>', 'tree (default), mermaid or dot').choices(FORMATS))
    .option('-n, --limit <n>', 'most tasks to read', '500')
    .option('--json', 'print JSON: { nodes, edges, truncated }');
  withExamples(graphCommand, [
    'claudine graph 3k9x2m4qab',
    'claudine graph --format mermaid 3k9x2m4qab > workflow.mmd',
    'claudine graph --format dot 3k9x2m4qab | dot -Tsvg > workflow.svg',
    'claudine graph --json',
  ]).action(async (id: string | undefined, options: GraphOptions, command: Command) => {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit takes a whole number, 1 or more', EXIT.usage);
    await withClaudine(
      command,
      async (claudine, terminal) => {
        const graph = await claudine.graph(id, { limit });
        if (options.json === true) {
          printJson(GraphJson, graphDocument(graph));
          return;
        }
        if (options.format === 'mermaid' || options.format === 'dot') {
          process.stdout.write(`${options.format === 'mermaid' ? renderMermaid(graph) : renderDot(graph)}\n`);
          if (graph.truncated) process.stderr.write(`claudine: the workflow has more than ${limit} tasks; raise --limit to see them all\n`);
          return;
        }
        if (graph.tasks.length === 0) {
          process.stdout.write('No workflow to draw: nothing is queued or running. Pass a task id: claudine graph <id>\n');
          return;
        }
        process.stdout.write(`${drawGraphTree(terminal, graph)}\n`);
        const more = graph.truncated ? `; more were left out (raise --limit above ${limit})` : '';
        process.stdout.write(`${paint(terminal, 'dim', `${graphSummary(graph)}${more}. Tasks below a task wait for it.`)}\n`);
      },
      { autoStartHost: true },
    );
  });
}
