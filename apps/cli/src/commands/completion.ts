import { settingPaths } from '@claudine/runtime';
import { Argument, type Command } from 'commander';
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from '../completion-scripts.js';
import { withExamples } from '../help-examples.js';

/** `claudine completion <shell>`: print a shell completion script. */
export function registerCompletion(program: Command): void {
  const completion = program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Prints a completion script for your shell, generated from the commands themselves: commands, subcommands, options and their values, setting keys, and task ids (the newest 100, read when you press Tab).',
    )
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(COMPLETION_SHELLS));
  withExamples(completion, [
    'claudine completion bash > ~/.local/share/bash-completion/completions/claudine',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, shown as typed.
    'claudine completion zsh > "${fpath[1]}/_claudine"',
    'claudine completion fish > ~/.config/fish/completions/claudine.fish',
    'source <(claudine completion bash)      # this shell only',
  ]).action((shell: CompletionShell, _options: unknown, command: Command) => {
    let root = command;
    while (root.parent !== null) root = root.parent;
    process.stdout.write(completionScript(root, shell, settingPaths()));
  });
}
