import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE, commandModuleOf } from './command-table.js';

describe('commandModuleOf', () => {
  it('finds the command by name or alias, past the global options', () => {
    expect(commandModuleOf(['ls'])).toBe('ls');
    expect(commandModuleOf(['list', '--json'])).toBe('ls');
    expect(commandModuleOf(['--home', '/tmp/ls', 'status', 'abc'])).toBe('status');
    expect(commandModuleOf(['--debug', 'run', '--', 'true'])).toBe('run');
  });

  it('asks for every command where one alone would not do', () => {
    expect(commandModuleOf([])).toBeUndefined();
    expect(commandModuleOf(['--help'])).toBeUndefined();
    expect(commandModuleOf(['help', 'ls'])).toBeUndefined();
    expect(commandModuleOf(['lss'])).toBeUndefined();
    expect(commandModuleOf(['completion', 'bash'])).toBeUndefined();
    expect(commandModuleOf(['--', 'ls'])).toBeUndefined();
  });

  it('names each module once, with distinct names', () => {
    const modules = COMMAND_TABLE.map((command) => command.module);
    const names = COMMAND_TABLE.flatMap((command) => command.names);
    expect(new Set(modules).size).toBe(modules.length);
    expect(new Set(names).size).toBe(names.length);
  });
});
