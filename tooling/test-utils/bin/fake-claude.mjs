#!/usr/bin/env node
// @ts-check
// A stand-in for `claude -p --output-format stream-json --verbose` in tests. It checks its flags
// the way the real CLI does, reads the prompt from stdin and prints events shaped like the types
// in @anthropic-ai/claude-agent-sdk (system init, assistant, user, result, api_retry).
//
// Behaviour comes from directives, run in order, taken from `[[fake: ...]]` in the prompt and
// from the FAKE_CLAUDE environment variable (directives separated by `;`):
//   sleep <ms>                  wait
//   say <text>                  an assistant text message
//   tool <name>                 an assistant tool_use and its user tool_result
//   stderr <text>               a line on stderr
//   write <file> <text>         write <text> and a newline to <file> in its working directory, as an edit would
//   flood <bytes>               assistant text messages totalling about <bytes> bytes
//   ignore-sigterm              ignore SIGTERM from now on (noting each one on stderr)
//   on-sigterm <ms> [code]      on SIGTERM, note it on stderr, then exit with <code> (143) after <ms>
//   grandchild <ms>             start a child process that sleeps <ms> (same process group)
//   stubborn-grandchild <ms>    same, but the child ignores SIGTERM
//   escaped-grandchild <ms>     a child in a new session (setsid) that ignores SIGTERM
//   cost <usd>                  the run costs <usd> (total_cost_usd); with --max-budget-usd
//                               below it, the run stops as the real CLI does
//                               (result error_max_budget_usd, exit 1)
//   daemon <ms>                 a double fork: a child starts a grandchild in a new session
//                               (ignoring SIGTERM) and exits, so the grandchild is orphaned
// Grandchildren do not keep the fake alive, and each is named on stderr once it is set up
// (its SIGTERM handler in place): `fake-claude: started <kind> <pid>`.
// And one outcome (the last one wins; default `succeed`):
//   succeed [text]              result success, exit 0
//   echo-prompt                 result success whose text is the whole prompt it read, exit 0
//   echo-args                   result success whose text is its arguments as a JSON array, exit 0
//   fail [text]                 result error_during_execution, exit 1
//   rate-limit | overloaded     api_retry events, an assistant error, result is_error, exit 1
//   auth-failed                 what the real CLI prints when not logged in, exit 1
//   rate-limit-times <n> <file> rate-limit while <file> counts fewer than <n> runs, then succeed
//   exit <code>                 exit with <code> without a result
// `auth status` answers as the real CLI does: logged in, unless FAKE_CLAUDE_LOGGED_OUT is set.
// A run with `--resume <id>` continues that session, as the real CLI does: unless its own
// directives name an outcome, it ends the way the session's first run was told to (so a
// rate-limited session is still rate-limited when resumed). Sessions are remembered in
// $FAKE_CLAUDE_SESSIONS (default: fake-claude-sessions in $CLAUDINE_HOME, which Claudine sets for
// every task; with neither, sessions are not remembered).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = '2.1.330 (fake)';
const argv = process.argv.slice(2);

// Logged out, the real CLI prints the same JSON with loggedIn false and exits 1.
if (argv[0] === 'auth' && argv[1] === 'status') {
  const loggedIn = process.env.FAKE_CLAUDE_LOGGED_OUT === undefined;
  process.stdout.write(
    `${JSON.stringify({ loggedIn, authMethod: loggedIn ? 'claude.ai' : 'none', apiProvider: 'firstParty' }, null, 2)}\n`,
  );
  process.exit(loggedIn ? 0 : 1);
}

/** @param {string} message */
function refuse(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

/** @type {Record<string, string | boolean | string[]>} */
const flags = {};
const valued = new Set([
  '--output-format',
  '--input-format',
  '--model',
  '--max-turns',
  '--permission-mode',
  '--append-system-prompt',
  '--resume',
  '-r',
  '--max-budget-usd',
  '--session-id',
  '--system-prompt',
  '--settings',
  '--effort',
  '--fallback-model',
]);
const listed = new Set(['--allowedTools', '--allowed-tools', '--disallowedTools', '--disallowed-tools', '--add-dir', '--mcp-config']);
for (let index = 0; index < argv.length; index += 1) {
  const arg = /** @type {string} */ (argv[index]);
  const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
  if (equals > 0) {
    const name = arg.slice(0, equals);
    const value = arg.slice(equals + 1);
    if (valued.has(name)) flags[name] = value;
    else if (listed.has(name)) flags[name] = [.../** @type {string[]} */ (Array.isArray(flags[name]) ? flags[name] : []), value];
    else flags[name] = value;
    continue;
  }
  if (arg === '--version' || arg === '-v') {
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  if (valued.has(arg)) {
    const value = argv[index + 1];
    if (value === undefined) refuse(`option '${arg}' argument missing`);
    flags[arg] = /** @type {string} */ (value);
    index += 1;
  } else if (listed.has(arg)) {
    const values = [];
    while (argv[index + 1] !== undefined && !String(argv[index + 1]).startsWith('-')) {
      values.push(String(argv[index + 1]));
      index += 1;
    }
    flags[arg] = values;
  } else if (arg.startsWith('-')) {
    flags[arg] = true;
  } else {
    refuse(`unexpected argument '${arg}': the fake claude reads its prompt from stdin`);
  }
}

const print = flags['-p'] === true || flags['--print'] === true;
if (!print) refuse('the fake claude only supports --print (-p)');
if (flags['--output-format'] !== 'stream-json') refuse('the fake claude only supports --output-format stream-json');
if (flags['--verbose'] !== true) {
  refuse('When using --print, --output-format=stream-json requires --verbose');
}
const permissionMode = typeof flags['--permission-mode'] === 'string' ? flags['--permission-mode'] : 'default';
const modes = ['default', 'acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'];
if (!modes.includes(permissionMode)) {
  refuse(`option '--permission-mode <mode>' argument '${permissionMode}' is invalid. Allowed choices are ${modes.join(', ')}.`);
}
const maxTurns = typeof flags['--max-turns'] === 'string' ? Number(flags['--max-turns']) : Number.POSITIVE_INFINITY;
const model = typeof flags['--model'] === 'string' ? flags['--model'] : 'claude-fake-1';
const sessionId = typeof flags['--resume'] === 'string' ? flags['--resume'] : randomUUID();

const started = Date.now();
let turns = 0;
let outputTokens = 0;
/** @type {number | undefined} */
let forcedCost;
const maxBudgetUsd = typeof flags['--max-budget-usd'] === 'string' ? Number(flags['--max-budget-usd']) : undefined;

/** @param {unknown} event */
function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function usage(input = 0, output = 0) {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: input > 0 ? 1000 : 0,
  };
}

/** @param {Array<Record<string, unknown>>} content */
function assistant(content, extra = {}) {
  turns += 1;
  const text = JSON.stringify(content);
  const tokens = Math.ceil(text.length / 4);
  outputTokens += tokens;
  emit({
    type: 'assistant',
    message: {
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: null,
      stop_sequence: null,
      usage: usage(10, tokens),
    },
    parent_tool_use_id: null,
    session_id: sessionId,
    uuid: randomUUID(),
    ...extra,
  });
}

/** @param {{ isError: boolean, subtype?: string, text: string, apiErrorStatus?: number }} options */
function result({ isError, subtype = 'success', text, apiErrorStatus }) {
  const inputTokens = Math.ceil(prompt.length / 4) + 100;
  const costUsd = forcedCost ?? Number(((inputTokens * 3 + outputTokens * 15) / 1_000_000).toFixed(6));
  const event = {
    type: 'result',
    subtype,
    is_error: isError,
    duration_ms: Date.now() - started,
    duration_api_ms: Math.max(0, Date.now() - started - 5),
    num_turns: Math.max(1, turns),
    stop_reason: isError ? null : 'end_turn',
    session_id: sessionId,
    total_cost_usd: costUsd,
    usage: {
      ...usage(inputTokens, outputTokens),
      server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      service_tier: 'standard',
    },
    modelUsage: {
      [model]: {
        inputTokens,
        outputTokens,
        cacheReadInputTokens: 1000,
        cacheCreationInputTokens: 0,
        webSearchRequests: 0,
        costUSD: costUsd,
        contextWindow: 200000,
        maxOutputTokens: 32000,
      },
    },
    permission_denials: [],
    uuid: randomUUID(),
  };
  if (subtype === 'success') Object.assign(event, { result: text });
  else Object.assign(event, { errors: [text] });
  if (apiErrorStatus !== undefined) Object.assign(event, { api_error_status: apiErrorStatus });
  emit(event);
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A grandchild says "ready" on stdout once its SIGTERM handler is in place; the fake waits for
// that, so a test that sees `fake-claude: started ...` knows the grandchild is set up.
const READY = `process.stdout.write('ready', () => process.stdout.destroy());`;

/** @param {import('node:child_process').ChildProcess} child */
function whenReady(child) {
  return new Promise((resolve) => {
    child.stdout?.once('data', () => {
      child.stdout?.destroy();
      resolve(undefined);
    });
    child.once('exit', () => resolve(undefined));
  });
}

/** @param {number} ms @param {{ stubborn: boolean, escaped: boolean }} options */
async function startGrandchild(ms, { stubborn, escaped }) {
  const script = `${stubborn ? "process.on('SIGTERM', () => {});" : ''} ${READY} setTimeout(() => {}, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], detached: escaped });
  await whenReady(child);
  // The fake may exit before its grandchildren, leaving them behind as a careless agent would.
  child.unref();
  process.stderr.write(
    `fake-claude: started ${escaped ? 'escaped-grandchild' : stubborn ? 'stubborn-grandchild' : 'grandchild'} ${child.pid}\n`,
  );
}

/** @param {number} ms */
async function startDaemon(ms) {
  const daemon = `process.on('SIGTERM', () => {}); ${READY} setTimeout(() => {}, ${ms});`;
  const middle = `const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', ${JSON.stringify(daemon)}], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    child.stdout.once('data', () => {
      child.stdout.destroy();
      child.unref();
      process.stdout.write(String(child.pid));
    });`;
  const child = spawn(process.execPath, ['-e', middle], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pid = '';
  child.stdout?.on('data', (chunk) => {
    pid += chunk;
  });
  await new Promise((resolve) => child.on('close', resolve));
  process.stderr.write(`fake-claude: started daemon ${pid}\n`);
}

/** @param {number} ms @param {number} code */
function exitLateOnSigterm(ms, code) {
  process.on('SIGTERM', () => {
    process.stderr.write(`fake-claude: SIGTERM at ${Date.now()}, exiting in ${ms} ms\n`);
    setTimeout(() => process.exit(code), ms);
  });
}

/** @param {string} source */
function parseDirectives(source) {
  /** @type {string[]} */
  const found = [];
  for (const match of source.matchAll(/\[\[fake:([^\]]*)\]\]/g)) {
    for (const part of String(match[1]).split(';')) if (part.trim()) found.push(part.trim());
  }
  return found;
}

const prompt = await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    text += chunk;
  });
  process.stdin.on('end', () => resolve(text));
});
if (prompt.trim() === '') refuse('Input must be provided either through stdin or as a prompt argument when using --print');

const directives = [
  ...(process.env.FAKE_CLAUDE ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean),
  ...parseDirectives(prompt),
];

const OUTCOMES = ['succeed', 'echo-prompt', 'echo-args', 'fail', 'rate-limit', 'overloaded', 'auth-failed', 'rate-limit-times', 'exit'];
const declared = directives.filter((directive) => OUTCOMES.includes(directive.split(/\s+/)[0] ?? '')).pop();
const home = process.env.CLAUDINE_HOME;
const sessionsDirectory = process.env.FAKE_CLAUDE_SESSIONS ?? (home === undefined ? undefined : join(home, 'fake-claude-sessions'));
const sessionFile = sessionsDirectory === undefined ? undefined : join(sessionsDirectory, `${sessionId.replace(/[^\w-]/g, '_')}.json`);
// With nowhere to remember sessions, a resumed run ends as its own directives say.
if (sessionsDirectory !== undefined && sessionFile !== undefined) {
  if (typeof flags['--resume'] !== 'string') {
    mkdirSync(sessionsDirectory, { recursive: true, mode: 0o700 });
    writeFileSync(sessionFile, JSON.stringify({ outcome: declared ?? null }), { mode: 0o600 });
  } else if (declared === undefined && existsSync(sessionFile)) {
    const saved = JSON.parse(readFileSync(sessionFile, 'utf8')).outcome;
    if (typeof saved === 'string') directives.push(saved);
  }
}

emit({
  type: 'system',
  subtype: 'init',
  cwd: process.cwd(),
  session_id: sessionId,
  tools: ['Task', 'Bash', 'Edit', 'Read', 'Write'],
  mcp_servers: [],
  model,
  permissionMode,
  slash_commands: [],
  apiKeySource: 'none',
  claude_code_version: VERSION,
  output_style: 'default',
  agents: [],
  skills: [],
  plugins: [],
  uuid: randomUUID(),
});

/** @type {{ kind: string, args: string[] }} */
let outcome = { kind: 'succeed', args: [] };
for (const directive of directives) {
  const [name = '', ...args] = directive.split(/\s+/);
  const rest = directive.slice(name.length).trim();
  switch (name) {
    case 'sleep':
      await sleep(Number(args[0] ?? 0));
      break;
    case 'say':
      assistant([{ type: 'text', text: rest }]);
      break;
    case 'tool': {
      const id = `toolu_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      assistant([{ type: 'tool_use', id, name: args[0] ?? 'Bash', input: { command: 'echo fake' } }]);
      emit({
        type: 'user',
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'fake', is_error: false }] },
        parent_tool_use_id: null,
        session_id: sessionId,
        uuid: randomUUID(),
      });
      break;
    }
    case 'stderr':
      process.stderr.write(`${rest}\n`);
      break;
    case 'write':
      writeFileSync(args[0] ?? 'fake-output.txt', `${rest.slice((args[0] ?? '').length).trim()}\n`);
      break;
    case 'flood': {
      let remaining = Number(args[0] ?? 0);
      const line = 'x'.repeat(4000);
      while (remaining > 0) {
        const text = line.slice(0, Math.min(line.length, remaining));
        const event = JSON.stringify({
          type: 'assistant',
          message: { id: 'msg_flood', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }] },
          parent_tool_use_id: null,
          session_id: sessionId,
          uuid: randomUUID(),
        });
        remaining -= event.length + 1;
        if (!process.stdout.write(`${event}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
      break;
    }
    case 'cost':
      forcedCost = Number(args[0] ?? 0);
      break;
    case 'ignore-sigterm':
      process.on('SIGTERM', () => {
        process.stderr.write(`fake-claude: SIGTERM at ${Date.now()}, ignored\n`);
      });
      break;
    case 'on-sigterm':
      exitLateOnSigterm(Number(args[0] ?? 0), Number(args[1] ?? 143));
      break;
    case 'daemon':
      await startDaemon(Number(args[0] ?? 60_000));
      break;
    case 'grandchild':
      await startGrandchild(Number(args[0] ?? 60_000), { stubborn: false, escaped: false });
      break;
    case 'stubborn-grandchild':
      await startGrandchild(Number(args[0] ?? 60_000), { stubborn: true, escaped: false });
      break;
    case 'escaped-grandchild':
      await startGrandchild(Number(args[0] ?? 60_000), { stubborn: true, escaped: true });
      break;
    case 'succeed':
    case 'echo-prompt':
    case 'echo-args':
    case 'fail':
    case 'rate-limit':
    case 'overloaded':
    case 'auth-failed':
    case 'rate-limit-times':
    case 'exit':
      outcome = { kind: name, args };
      break;
    default:
      process.stderr.write(`fake-claude: unknown directive '${directive}'\n`);
      process.exit(64);
  }
  if (turns >= maxTurns) {
    result({ isError: true, subtype: 'error_max_turns', text: `Reached maximum number of turns (${maxTurns})` });
    process.exit(1);
  }
}

/** @param {'rate_limit' | 'overloaded'} error */
function apiFailure(error) {
  const status = error === 'rate_limit' ? 429 : 529;
  const text = error === 'rate_limit' ? 'API Error: Rate limit reached' : 'API Error: Overloaded';
  emit({
    type: 'system',
    subtype: 'api_retry',
    attempt: 1,
    max_retries: 1,
    retry_delay_ms: 10,
    error_status: status,
    error,
    uuid: randomUUID(),
    session_id: sessionId,
  });
  assistant([{ type: 'text', text }], { error });
  result({ isError: true, text, apiErrorStatus: status });
  process.exit(1);
}

if (maxBudgetUsd !== undefined && forcedCost !== undefined && forcedCost > maxBudgetUsd) {
  assistant([{ type: 'text', text: 'Working on it' }]);
  result({ isError: true, subtype: 'error_max_budget_usd', text: `Reached maximum budget ($${maxBudgetUsd})` });
  process.exit(1);
}

switch (outcome.kind) {
  case 'echo-args': {
    assistant([{ type: 'text', text: 'Echoing the arguments' }]);
    result({ isError: false, text: JSON.stringify(argv) });
    process.exitCode = 0;
    break;
  }
  case 'echo-prompt': {
    assistant([{ type: 'text', text: 'Echoing the prompt' }]);
    result({ isError: false, text: prompt });
    process.exitCode = 0;
    break;
  }
  case 'succeed': {
    const text = outcome.args.join(' ') || `Fake result for: ${prompt.trim().split('\n')[0]?.slice(0, 60)}`;
    assistant([{ type: 'text', text }]);
    result({ isError: false, text });
    process.exitCode = 0;
    break;
  }
  case 'fail': {
    const text = outcome.args.join(' ') || 'The fake agent failed as asked';
    result({ isError: true, subtype: 'error_during_execution', text });
    process.exitCode = 1;
    break;
  }
  case 'rate-limit':
    apiFailure('rate_limit');
    break;
  case 'overloaded':
    apiFailure('overloaded');
    break;
  case 'auth-failed':
    assistant([{ type: 'text', text: 'Not logged in · Please run /login' }], {
      error: 'authentication_failed',
      is_api_error_message: true,
    });
    result({ isError: true, text: 'Not logged in · Please run /login' });
    process.exitCode = 1;
    break;
  case 'rate-limit-times': {
    const limit = Number(outcome.args[0] ?? 1);
    const file = String(outcome.args[1] ?? '');
    if (file === '') refuse('rate-limit-times needs a counter file');
    const count = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    writeFileSync(file, String(count + 1));
    if (count < limit) apiFailure('rate_limit');
    assistant([{ type: 'text', text: `Succeeded after ${count} rate limits` }]);
    result({ isError: false, text: `Succeeded after ${count} rate limits` });
    break;
  }
  case 'exit':
    process.exit(Number(outcome.args[0] ?? 1));
}
