#!/usr/bin/env node
// The CLI with every command, each loaded when it runs. The installed command runs the bundled
// bin (bundle-dispatch.ts), which loads one command's bundle instead.
import { createProgram } from './program.js';
import { cliVersion, runProgram } from './run-program.js';

await runProgram(await createProgram(cliVersion(), process.argv));
