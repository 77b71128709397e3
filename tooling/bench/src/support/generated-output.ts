// Realistic output to measure compression on, generated from a seed so every run sees the same
// bytes: a Claude Code stream-json transcript, and build/test logs.
import { seededRandom } from './seeded-random.js';

const WORDS = (
  'the a to of and in that is for it this with as be on not are by file test function change build error type value return ' +
  'module import export const let if else when should would could update fix add remove check run pass fail now then because ' +
  'component handler request response user data config option parse render state props hook query schema field index cache'
).split(' ');
const PATHS = [
  'src/api/users.ts',
  'src/components/Table.tsx',
  'packages/core/src/queue.ts',
  'test/sync.test.ts',
  'README.md',
  'src/lib/db.ts',
];
const TOOLS = ['Read', 'Edit', 'Bash', 'Grep', 'Glob', 'Write'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let index = 0; index < words; index += 1) out.push(pick(random, WORDS));
  const text = out.join(' ');
  return `${text[0]?.toUpperCase()}${text.slice(1)}.`;
}

function codeLines(random: () => number, count: number): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const indent = '  '.repeat(Math.floor(random() * 4));
    lines.push(
      `${String(index + 1).padStart(5)}\u2192${indent}${pick(random, ['const', 'if (', 'return', 'export function', '//', 'await'])} ${sentence(random, 3 + Math.floor(random() * 6)).toLowerCase()}`,
    );
  }
  return lines.join('\n');
}

/** About `bytes` of Claude Code stream-json: init, assistant text and tool calls, tool results with file contents, result. */
export function streamJsonTranscript(bytes: number, seed = 1): Buffer {
  const random = seededRandom(seed);
  const session = '7f3c2a1e-5b6d-4c8e-9f0a-1b2c3d4e5f60';
  const lines: string[] = [
    JSON.stringify({
      type: 'system',
      subtype: 'init',
      session_id: session,
      model: 'claude-sonnet-4-5',
      cwd: '/home/dev/project',
      tools: TOOLS,
    }),
  ];
  let size = lines[0]?.length ?? 0;
  let turn = 0;
  while (size < bytes) {
    turn += 1;
    const id = `toolu_${Math.floor(random() * 1e12).toString(36)}`;
    const tool = pick(random, TOOLS);
    const events = [
      {
        type: 'assistant',
        message: {
          id: `msg_${turn}`,
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [{ type: 'text', text: sentence(random, 10 + Math.floor(random() * 60)) }],
          usage: { input_tokens: Math.floor(random() * 5000), output_tokens: Math.floor(random() * 800) },
        },
        session_id: session,
      },
      {
        type: 'assistant',
        message: {
          id: `msg_${turn}b`,
          role: 'assistant',
          content: [
            {
              type: 'tool_use',
              id,
              name: tool,
              input:
                tool === 'Bash'
                  ? { command: `pnpm test -- ${pick(random, PATHS)}` }
                  : { file_path: `/home/dev/project/${pick(random, PATHS)}` },
            },
          ],
        },
        session_id: session,
      },
      {
        type: 'user',
        message: {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: id, content: codeLines(random, 5 + Math.floor(random() * 80)) }],
        },
        session_id: session,
      },
    ];
    for (const event of events) {
      const line = JSON.stringify(event);
      lines.push(line);
      size += line.length + 1;
    }
  }
  lines.push(
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: turn,
      result: sentence(random, 30),
      session_id: session,
      total_cost_usd: 1.2345,
    }),
  );
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** About `bytes` of build and test logs: compiler progress, warnings, test results, a stack trace now and then. */
export function buildLog(bytes: number, seed = 2): Buffer {
  const random = seededRandom(seed);
  const lines: string[] = [];
  let size = 0;
  let second = 0;
  while (size < bytes) {
    second += random() < 0.2 ? 1 : 0;
    const time = new Date(Date.UTC(2025, 0, 1, 12, 0, second)).toISOString().slice(11, 19);
    const roll = random();
    let line: string;
    if (roll < 0.5) line = `[${time}] [INFO] Compiling ${pick(random, PATHS)} (${Math.floor(random() * 400)} ms)`;
    else if (roll < 0.8)
      line = ` \u2713 ${pick(random, PATHS).replace(/\.tsx?$/, '')} > ${sentence(random, 5).toLowerCase()} (${Math.floor(random() * 90)} ms)`;
    else if (roll < 0.95)
      line = `[${time}] [WARN] ${pick(random, PATHS)}:${Math.floor(random() * 500)}:${Math.floor(random() * 80)} - ${sentence(random, 8)}`;
    else {
      line = [
        ` \u2717 ${sentence(random, 6).toLowerCase()}`,
        `   AssertionError: expected ${Math.floor(random() * 100)} to be ${Math.floor(random() * 100)}`,
        ...Array.from(
          { length: 6 },
          () => `     at ${pick(random, WORDS)} (${pick(random, PATHS)}:${Math.floor(random() * 300)}:${Math.floor(random() * 40)})`,
        ),
      ].join('\n');
    }
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
