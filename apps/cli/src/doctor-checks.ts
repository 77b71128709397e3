import { statSync } from 'node:fs';
import { type Config, ConfigSchema, type DataLayout, dataLayout, loadConfig, resolveDataDirectory } from '@claudine/runtime';
import { agentCheck, claudeLoginCheck, findExecutable, gitCheck, shellCheck } from './doctor-agent-checks.js';
import { check, type DoctorCheck, type DoctorStatus } from './doctor-check.js';
import { dataDirectoryCheck, diskCheck, storeChecks } from './doctor-storage-checks.js';

export type { DoctorCheck, DoctorStatus } from './doctor-check.js';

/** Options for {@link runDoctorChecks}. */
export interface DoctorOptions {
  /** The data directory given with --home, if any. */
  readonly home?: string;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Time allowed for `<agent> --version`. */
  readonly versionTimeoutMs?: number;
  /** Time allowed for `claude auth status` (offline it answers at once). */
  readonly loginTimeoutMs?: number;
}

const MINIMUM_NODE = [20, 19, 0] as const;

/**
 * Checks what Claudine needs: Node, the agent executables (and whether Claude Code is logged
 * in), the data directory and its
 * permissions, free disk space, the configuration, the database and the host. Each check says
 * what it found and, when something is wrong, how to fix it. It creates nothing that is missing
 * (no data directory, no database).
 */
export async function runDoctorChecks(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const environment = options.environment ?? process.env;
  const layout = dataLayout(
    resolveDataDirectory(options.home === undefined ? environment : { ...environment, CLAUDINE_HOME: options.home }),
  );
  const checks: DoctorCheck[] = [nodeCheck()];
  const configured = configCheck(layout, environment);
  const config = configured.config ?? ConfigSchema.parse({});
  const timeoutMs = options.versionTimeoutMs ?? 10_000;
  const [claude, codex] = await Promise.all([
    agentCheck('claude', config.agents.claude.command, config, environment, timeoutMs),
    agentCheck('codex', config.agents.codex.command, config, environment, timeoutMs),
  ]);
  checks.push(claude);
  // Only an executable that answered --version is asked whether it is logged in.
  const claudePath = findExecutable(config.agents.claude.command, environment);
  if (claude.status === 'ok' && claudePath !== undefined) {
    checks.push(await claudeLoginCheck(claudePath, config, environment, options.loginTimeoutMs ?? 10_000));
  }
  checks.push(codex, shellCheck(config.agents.command.shell, environment), await gitCheck());
  checks.push(dataDirectoryCheck(layout), diskCheck(layout), configured.check);
  checks.push(...(await storeChecks(layout, options.home, configured.config !== undefined)));
  return checks;
}

function nodeCheck(): DoctorCheck {
  const version = process.versions.node;
  const parts = version.split('.').map(Number);
  let older = false;
  for (let index = 0; index < MINIMUM_NODE.length; index += 1) {
    const have = parts[index] ?? 0;
    const need = MINIMUM_NODE[index] ?? 0;
    if (have !== need) {
      older = have < need;
      break;
    }
  }
  return older
    ? check(
        'node',
        'Node.js',
        'fail',
        `Node.js ${version} is older than ${MINIMUM_NODE.join('.')}`,
        'Install Node.js 20.19 or later (22 or 24 work too).',
      )
    : check('node', 'Node.js', 'ok', `Node.js ${version} at ${process.execPath}`);
}

function configCheck(
  layout: DataLayout,
  environment: Readonly<Record<string, string | undefined>>,
): { config?: Config; check: DoctorCheck } {
  try {
    const { config, sources } = loadConfig({ file: layout.config, environment });
    const parts = [sources.fileExists ? `valid (${layout.config})` : 'defaults (no config file)'];
    if (sources.environment.length > 0) parts.push(`overridden by ${sources.environment.join(', ')}`);
    let status: DoctorStatus = 'ok';
    let fix: string | null = null;
    if (sources.fileExists && process.platform !== 'win32' && (statSync(layout.config).mode & 0o022) !== 0) {
      status = 'warn';
      parts.push('the file is writable by other users');
      fix = `Make it private: chmod 600 ${layout.config}`;
    }
    return { config, check: check('config', 'configuration', status, parts.join('; '), fix) };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error);
    return {
      check: check(
        'config',
        'configuration',
        'fail',
        message,
        'See the bad setting with `claudine config show`, then fix it with `claudine config set <key> <value>` or remove it with `claudine config unset <key>`.',
      ),
    };
  }
}
