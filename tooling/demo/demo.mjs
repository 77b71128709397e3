// `pnpm demo`: Claudine's main job on real tasks. Submits a few command tasks with different
// priorities and a dependency-free fan-out, waits for them, and shows status and logs, all
// through the built `claudine` CLI. Uses its own data directory so it leaves yours alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../apps/cli/bin/claudine.cjs', import.meta.url));
const home = process.env.CLAUDINE_HOME ?? mkdtempSync(join(tmpdir(), 'claudine-demo-'));
const env = { ...process.env, CLAUDINE_HOME: home, CLAUDINE_HOST_IDLE_EXIT: '10s' };

function claudine(args, { capture = false } = {}) {
  process.stdout.write(`\n$ claudine ${args.map((arg) => (/[\s"$;|]/.test(arg) ? `'${arg.replaceAll("'", "'\\''")}'` : arg)).join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', stdio: capture ? 'pipe' : 'inherit' });
  if (capture) process.stdout.write(result.stdout);
  if (result.status !== 0) {
    process.stderr.write(result.stderr ?? '');
    throw new Error(`claudine ${args.join(' ')} exited with ${result.status}`);
  }
  return (result.stdout ?? '').trim();
}

process.stdout.write(`Claudine demo (data directory: ${home})\n`);
const slow = claudine(['run', '--agent', 'command', '-p', 'P2', 'sleep 1; echo "P2: the slow report is ready"'], { capture: true });
const fast = claudine(['run', '--agent', 'command', '-p', 'P0', 'echo "P0: urgent fix checked"; uname -sr'], { capture: true });
claudine(['run', '--agent', 'command', '--wait', 'echo "counting files in $PWD:"; ls | wc -l']);
claudine(['status']);
claudine(['run', '--agent', 'command', '--wait', `sleep 1.5; echo "all three done"`]);
claudine(['status', fast]);
claudine(['logs', slow]);
process.stdout.write(
  `\nThat was Claudine running shell commands as background tasks. With Claude Code installed,\n` +
    `\`claudine run "<what to do>"\` hands a task to a background Claude Code agent the same way.\n` +
    `The host exits on its own after 10 s idle. Try: CLAUDINE_HOME=${home} node apps/cli/bin/claudine.cjs status\n`,
);
