import type { Command, Option } from 'commander';

/** Shells `claudine completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
/** A shell `claudine completion` supports. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What completes a value: a fixed list, task ids, setting keys, directories, files, or nothing. */
type ValueKind =
  | { readonly kind: 'choices'; readonly values: readonly string[] }
  | { readonly kind: 'ids' | 'settings' | 'directories' | 'files' | 'none' };

interface OptionModel {
  readonly names: readonly string[];
  readonly description: string;
  /** Undefined for a flag that takes no value. */
  readonly value: ValueKind | undefined;
}

interface CommandModel {
  /** `run`, or `host start` for a subcommand. */
  readonly path: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly options: readonly OptionModel[];
  /** What completes the first positional argument, and the ones after it. */
  readonly firstArgument: ValueKind;
  readonly laterArguments: ValueKind;
  readonly subcommands: readonly CommandModel[];
}

// Task ids are read from the data directory when completing: the newest tasks, quietly.
const LIST_IDS = 'claudine ls -q -n 100 2>/dev/null';

/**
 * Writes a completion script for `shell`, generated from the program's own commands and
 * options, so it never drifts from `--help`. Task ids complete from `claudine ls -q`, settings
 * from the configuration schema.
 */
export function completionScript(program: Command, shell: CompletionShell, settingKeys: readonly string[]): string {
  const model = commandModel(program, '');
  if (shell === 'bash') return bashScript(model, settingKeys);
  if (shell === 'zsh') return zshScript(model, settingKeys);
  return fishScript(model, settingKeys);
}

function commandModel(command: Command, parentPath: string): CommandModel {
  const name = command.name();
  const path = parentPath === '' && command.parent === null ? '' : `${parentPath} ${name}`.trim();
  const options: OptionModel[] = command.options
    .filter((option) => !option.hidden)
    .map((option) => ({
      names: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
      description: option.description,
      value: option.isBoolean() ? undefined : optionValue(option),
    }));
  options.push({ names: ['-h', '--help'], description: 'show help', value: undefined });
  const argumentsList = command.registeredArguments;
  const first = argumentsList[0];
  const last = argumentsList[argumentsList.length - 1];
  const later = argumentsList.length > 1 ? last : first?.variadic === true ? first : undefined;
  return {
    path,
    name,
    aliases: command.aliases(),
    summary: command.summary() || command.description().split('. ')[0] || '',
    options,
    firstArgument: first === undefined ? { kind: 'none' } : argumentValue(first.name(), first.argChoices),
    laterArguments: later === undefined ? { kind: 'none' } : argumentValue(later.name(), later.argChoices),
    subcommands: command.commands.map((child) => commandModel(child, path)),
  };
}

function optionValue(option: Option): ValueKind {
  if (option.argChoices !== undefined) return { kind: 'choices', values: option.argChoices };
  if (/<dir>/.test(option.flags)) return { kind: 'directories' };
  if (/<id>/.test(option.flags)) return { kind: 'ids' };
  return { kind: 'none' };
}

function argumentValue(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices !== undefined) return { kind: 'choices', values: choices };
  if (name === 'id') return { kind: 'ids' };
  if (name === 'key') return { kind: 'settings' };
  if (name === 'file') return { kind: 'files' };
  return { kind: 'none' };
}

function allCommands(model: CommandModel): CommandModel[] {
  return model.subcommands.flatMap((child) => [child, ...allCommands(child)]);
}

// --- bash ---------------------------------------------------------------------------------

function bashWords(kind: ValueKind, settingKeys: readonly string[]): string {
  switch (kind.kind) {
    case 'choices':
      return `COMPREPLY=($(compgen -W "${kind.values.join(' ')}" -- "$cur"))`;
    case 'ids':
      return `COMPREPLY=($(compgen -W "$(${LIST_IDS})" -- "$cur"))`;
    case 'settings':
      return `COMPREPLY=($(compgen -W "${settingKeys.join(' ')}" -- "$cur"))`;
    case 'directories':
      return `COMPREPLY=($(compgen -d -- "$cur"))`;
    case 'files':
      return `COMPREPLY=($(compgen -f -- "$cur"))`;
    default:
      return 'COMPREPLY=()';
  }
}

function bashScript(program: CommandModel, settingKeys: readonly string[]): string {
  const commands = allCommands(program);
  const groups = commands.filter((command) => command.subcommands.length > 0);
  const globalValueOptions = program.options.filter((option) => option.value !== undefined).flatMap((option) => option.names);
  const valueCases: string[] = [];
  for (const command of [program, ...commands]) {
    for (const option of command.options) {
      if (option.value === undefined) continue;
      const patterns = option.names.map((name) => `"${command.path}|${name}"`).join('|');
      valueCases.push(`      ${patterns}) ${bashWords(option.value, settingKeys)}; return ;;`);
    }
  }
  const optionCases = [program, ...commands].map(
    (command) => `      "${command.path}") words="${command.options.flatMap((option) => option.names).join(' ')}" ;;`,
  );
  const commandNames = (command: CommandModel): string => command.subcommands.flatMap((child) => [child.name, ...child.aliases]).join(' ');
  const argumentCases = commands.map((command) => {
    const names = [command.path, ...command.aliases.map((alias) => command.path.replace(/[^ ]+$/, alias))];
    const body =
      command.subcommands.length > 0
        ? `[[ $positional -eq 0 ]] && COMPREPLY=($(compgen -W "${commandNames(command)}" -- "$cur"))`
        : `if [[ $positional -eq 0 ]]; then ${bashWords(command.firstArgument, settingKeys)}; else ${bashWords(command.laterArguments, settingKeys)}; fi`;
    return `      ${names.map((name) => `"${name}"`).join('|')}) ${body} ;;`;
  });
  return `# bash completion for claudine, generated by \`claudine completion bash\`.
# Install: claudine completion bash > ~/.local/share/bash-completion/completions/claudine
# (or add  source <(claudine completion bash)  to ~/.bashrc).
_claudine() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" positional=0 skip=0 word index
  for ((index = 1; index < COMP_CWORD; index++)); do
    word="\${COMP_WORDS[index]}"
    if [[ $skip -eq 1 ]]; then skip=0; continue; fi
    case "$word" in
      ${globalValueOptions.length > 0 ? `${globalValueOptions.join('|')}) [[ -z "$path" ]] && skip=1 ;;` : ''}
      -*) ;;
      *)
        if [[ -z "$path" ]]; then path="$word"
        elif [[ $positional -eq 0 && " ${groups.map((group) => group.path).join(' ')} " == *" $path "* ]]; then path="$path $word"
        else positional=$((positional + 1)); fi ;;
    esac
  done
  if [[ "$prev" == -* ]]; then
    case "$path|$prev" in
${valueCases.join('\n')}
    esac
  fi
  if [[ "$cur" == -* ]]; then
    local words=""
    case "$path" in
${optionCases.join('\n')}
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return
  fi
  if [[ -z "$path" ]]; then
    COMPREPLY=($(compgen -W "${commandNames(program)}" -- "$cur"))
    return
  fi
  case "$path" in
${argumentCases.join('\n')}
  esac
}
complete -F _claudine claudine
`;
}

// --- zsh ----------------------------------------------------------------------------------

function zshEscape(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll("'", "'\\''").replaceAll('[', '\\[').replaceAll(']', '\\]').replaceAll(':', '\\:');
}

function zshAction(kind: ValueKind): string {
  switch (kind.kind) {
    case 'choices':
      return `(${kind.values.join(' ')})`;
    case 'ids':
      return '_claudine_ids';
    case 'settings':
      return '_claudine_settings';
    case 'directories':
      return '_files -/';
    case 'files':
      return '_files';
    default:
      return ' ';
  }
}

function zshOptionSpecs(command: CommandModel): string[] {
  return command.options.map((option) => {
    const description = zshEscape(option.description.split(/[;(]/)[0]?.trim() ?? '');
    const names = option.names.length > 1 ? `(${option.names.join(' ')})'{${option.names.join(',')}}'` : (option.names[0] ?? '');
    const value = option.value === undefined ? '' : `:value:${zshAction(option.value)}`;
    return `'${names}[${description}]${value}'`;
  });
}

function zshFunction(command: CommandModel, functionName: string): string[] {
  const lines: string[] = [`${functionName}() {`];
  if (command.subcommands.length > 0) {
    const entries = command.subcommands.map((child) => `'${zshEscape(child.name)}:${zshEscape(child.summary)}'`);
    lines.push(
      '  local curcontext="$curcontext" state line',
      '  typeset -A opt_args',
      `  _arguments -C ${zshOptionSpecs(command).join(' ')} '1: :->command' '*:: :->args'`,
      '  case $state in',
      `    command) local -a commands; commands=(${entries.join(' ')}); _describe 'command' commands ;;`,
      '    args)',
      '      case $line[1] in',
      ...command.subcommands.map(
        (child) => `        ${[child.name, ...child.aliases].join('|')}) ${functionName}_${child.name.replaceAll('-', '_')} ;;`,
      ),
      '      esac ;;',
      '  esac',
    );
  } else {
    const first = `'1: :${zshAction(command.firstArgument)}'`;
    const later = command.laterArguments.kind === 'none' ? `'*: :'` : `'*: :${zshAction(command.laterArguments)}'`;
    lines.push(`  _arguments ${[...zshOptionSpecs(command), first, later].join(' ')}`);
  }
  lines.push('}');
  for (const child of command.subcommands) lines.push(...zshFunction(child, `${functionName}_${child.name.replaceAll('-', '_')}`));
  return lines;
}

function zshScript(program: CommandModel, settingKeys: readonly string[]): string {
  return `#compdef claudine
# zsh completion for claudine, generated by \`claudine completion zsh\`.
# Install: claudine completion zsh > "\${fpath[1]}/_claudine" (then start a new shell),
# or add  source <(claudine completion zsh)  to ~/.zshrc after compinit.
_claudine_ids() {
  local -a ids
  ids=(\${(f)"$(${LIST_IDS})"})
  _describe 'task' ids
}
_claudine_settings() {
  local -a settings
  settings=(${settingKeys.join(' ')})
  _describe 'setting' settings
}
${zshFunction(program, '_claudine').join('\n')}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _claudine "$@"
else
  compdef _claudine claudine
fi
`;
}

// --- fish ---------------------------------------------------------------------------------

function fishEscape(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function fishArguments(kind: ValueKind, settingKeys: readonly string[]): string {
  switch (kind.kind) {
    case 'choices':
      return `-x -a ${fishEscape(kind.values.join(' '))}`;
    case 'ids':
      return `-x -a '(${LIST_IDS})'`;
    case 'settings':
      return `-x -a ${fishEscape(settingKeys.join(' '))}`;
    case 'directories':
      return `-x -a '(__fish_complete_directories)'`;
    case 'files':
      return '-F';
    default:
      return '-x';
  }
}

function fishScript(program: CommandModel, settingKeys: readonly string[]): string {
  const lines = [
    '# fish completion for claudine, generated by `claudine completion fish`.',
    '# Install: claudine completion fish > ~/.config/fish/completions/claudine.fish',
    '',
    '# The command path typed so far (`host start`), skipping the values of global options.',
    'function __claudine_path',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l path',
    '    set -l skip 0',
    '    for word in $words',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $word',
    `            case ${program.options
      .filter((option) => option.value !== undefined)
      .flatMap((option) => option.names)
      .join(' ')}`,
    '                test (count $path) -eq 0; and set skip 1',
    "            case '-*'",
    '            case "*"',
    '                if test (count $path) -eq 0',
    '                    set -a path $word',
    `                else if test (count $path) -eq 1; and contains -- $path[1] ${allCommands(program)
      .filter((command) => command.subcommands.length > 0)
      .map((command) => command.name)
      .join(' ')}`,
    '                    set -a path $word',
    '                end',
    '        end',
    '    end',
    '    echo (string join " " -- $path)',
    'end',
    'function __claudine_at',
    '    test (__claudine_path) = "$argv"',
    'end',
    '',
    'complete -c claudine -f',
  ];
  for (const option of program.options) lines.push(fishOption('', option, settingKeys));
  for (const command of [program, ...allCommands(program)]) {
    for (const child of command.subcommands) {
      for (const name of [child.name, ...child.aliases]) {
        lines.push(`complete -c claudine -n '__claudine_at ${command.path}' -a ${name} -d ${fishEscape(child.summary)}`);
      }
    }
  }
  for (const command of allCommands(program)) {
    const paths = [command.path, ...command.aliases.map((alias) => command.path.replace(/[^ ]+$/, alias))];
    for (const path of paths) {
      for (const option of command.options) lines.push(fishOption(path, option, settingKeys));
      if (command.subcommands.length === 0 && command.firstArgument.kind !== 'none') {
        lines.push(`complete -c claudine -n '__claudine_at ${path}' ${fishArguments(command.firstArgument, settingKeys)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function fishOption(path: string, option: OptionModel, settingKeys: readonly string[]): string {
  const parts = ['complete -c claudine'];
  parts.push(path === '' ? '' : `-n '__claudine_at ${path}'`);
  for (const name of option.names) parts.push(name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`);
  if (option.value !== undefined) parts.push(fishArguments(option.value, settingKeys));
  parts.push(`-d ${fishEscape(option.description.split(/[;(]/)[0]?.trim() ?? '')}`);
  return parts.filter(Boolean).join(' ');
}
