import { createBaseProgram, type RegisterCommand } from './program.js';
import { cliVersion, runProgram } from './run-program.js';

/**
 * Runs the program with one command in it: the entry point of each command's bundle (generated
 * by scripts/bundle.mjs), which therefore holds only the code that command uses.
 */
export async function runOneCommand(register: RegisterCommand): Promise<void> {
  const program = createBaseProgram(cliVersion());
  register(program);
  await runProgram(program);
}
