import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A workspace package as read from disk. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly relativeDir: string;
  readonly manifest: {
    name: string;
    private?: boolean;
    type?: string;
    sideEffects?: boolean;
    engines?: { node?: string };
    exports?: Record<string, unknown>;
    files?: string[];
    bin?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  readonly tsconfig: { references?: Array<{ path: string }>; compilerOptions?: { types?: string[] } } | undefined;
}

/** Every package under packages/, apps/ and tooling/. */
export function workspacePackages(): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
      if (!existsSync(join(dir, 'package.json'))) continue;
      const tsconfigPath = join(dir, 'tsconfig.json');
      found.push({
        dir,
        relativeDir: relative(root, dir),
        manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
        tsconfig: existsSync(tsconfigPath) ? JSON.parse(readFileSync(tsconfigPath, 'utf8')) : undefined,
      });
    }
  }
  return found;
}

/** Every file under `dir` with one of `extensions`, skipping dist and node_modules. */
export function sourceFiles(dir: string, extensions: readonly string[] = ['.ts']): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path, extensions));
    else if (extensions.some((extension) => entry.name.endsWith(extension))) out.push(path);
  }
  return out;
}
