import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles, type WorkspacePackage, workspacePackages } from './workspace.js';

// The layers of ARCHITECTURE.md: each may depend only on the layers listed for it.
const LAYERS: Readonly<Record<string, { layer: string; mayUse: readonly string[] }>> = {
  '@claudine/core': { layer: 'core', mayUse: [] },
  '@claudine/store-sqlite': { layer: 'adapter', mayUse: ['core'] },
  '@claudine/runner': { layer: 'adapter', mayUse: ['core'] },
  '@claudine/metrics': { layer: 'adapter', mayUse: ['core'] },
  '@claudine/workspace': { layer: 'adapter', mayUse: ['core'] },
  '@claudine/runtime': { layer: 'runtime', mayUse: ['core', 'adapter'] },
  '@claudine/mcp': { layer: 'app', mayUse: ['core', 'runtime'] },
  '@claudine/web': { layer: 'app', mayUse: ['core', 'runtime'] },
  claudine: { layer: 'app', mayUse: ['core', 'runtime'] },
};

// The app-to-app edges: `claudine mcp` and `claudine ui` start the MCP server's and the
// dashboard's bins as child processes, so the CLI package depends on @claudine/mcp and
// @claudine/web to have them installed, but never loads their code (that stays an app importing
// an app, refused below). Nothing else may cross between apps.
const PROCESS_ONLY_DEPENDENCIES: ReadonlyArray<readonly [string, string]> = [
  ['claudine', '@claudine/mcp'],
  ['claudine', '@claudine/web'],
];
const processOnly = (from: string, to: string) => PROCESS_ONLY_DEPENDENCIES.some(([source, target]) => source === from && target === to);

const packages = workspacePackages();
const published = packages.filter((pkg) => pkg.manifest.private !== true);
const internal = (deps: Record<string, string> | undefined) =>
  Object.entries(deps ?? {}).filter(([name]) => packages.some((pkg) => pkg.manifest.name === name));

describe('layer boundaries', () => {
  it('knows the layer of every published package', () => {
    expect(published.map((pkg) => pkg.manifest.name).filter((name) => LAYERS[name] === undefined)).toEqual([]);
  });

  for (const pkg of published) {
    const rule = LAYERS[pkg.manifest.name];
    it(`${pkg.manifest.name} depends only on ${rule?.mayUse.join(', ') || 'nothing internal'}`, () => {
      const offending = internal(pkg.manifest.dependencies).filter(([name]) => {
        const target = LAYERS[name];
        return (target === undefined || !rule?.mayUse.includes(target.layer)) && !processOnly(pkg.manifest.name, name);
      });
      expect(offending.map(([name]) => name)).toEqual([]);
    });

    it(`${pkg.manifest.name} uses workspace:^ for runtime and workspace:* for dev dependencies`, () => {
      for (const [name, range] of internal(pkg.manifest.dependencies)) expect(`${name}@${range}`).toBe(`${name}@workspace:^`);
      for (const [name, range] of internal(pkg.manifest.devDependencies)) expect(`${name}@${range}`).toBe(`${name}@workspace:*`);
    });

    it(`${pkg.manifest.name} has tsconfig references that mirror its dependencies`, () => {
      const referenced = (pkg.tsconfig?.references ?? []).map((reference) => resolve(pkg.dir, reference.path));
      for (const [name] of internal(pkg.manifest.dependencies)) {
        // A package run as a process is not compiled against: no reference.
        if (processOnly(pkg.manifest.name, name)) continue;
        const target = packages.find((candidate) => candidate.manifest.name === name) as WorkspacePackage;
        expect(referenced, `${pkg.relativeDir}/tsconfig.json should reference ${target.relativeDir}`).toContain(target.dir);
      }
    });
  }

  it('keeps core free of node:* imports, with "types": [] so one would not type-check', () => {
    const core = packages.find((pkg) => pkg.manifest.name === '@claudine/core') as WorkspacePackage;
    expect(core.tsconfig?.compilerOptions?.types).toEqual([]);
    const offenders = sourceFiles(join(core.dir, 'src')).filter((file) =>
      /from\s+['"](node:|fs|path|os|child_process|crypto)['"/]|require\(/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps apps and adapters from importing packages they do not depend on', () => {
    for (const pkg of published) {
      const allowed = new Set([
        ...Object.keys(pkg.manifest.dependencies ?? {}),
        ...Object.keys(pkg.manifest.devDependencies ?? {}),
        pkg.manifest.name,
      ]);
      for (const file of sourceFiles(join(pkg.dir, 'src'))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/from\s+'(@claudine\/[a-z-]+|claudine)(?:\/[^']*)?'/g)) {
          expect(allowed.has(match[1] ?? ''), `${file} imports ${match[1]}`).toBe(true);
        }
      }
    }
  });

  it('never loads the code of a package it may only run as a process', () => {
    for (const [source, target] of PROCESS_ONLY_DEPENDENCIES) {
      const pkg = packages.find((candidate) => candidate.manifest.name === source) as WorkspacePackage;
      for (const file of sourceFiles(join(pkg.dir, 'src'))) {
        expect(loadsPackage(readFileSync(file, 'utf8'), target), `${file} loads ${target}: run its bin as a child process instead`).toBe(
          false,
        );
      }
    }
  });

  it('recognises every way of loading a package, but not finding its manifest', () => {
    for (const code of [
      "import { createClaudineMcpServer } from '@claudine/mcp';",
      'import type { TaskSummary } from "@claudine/mcp";',
      "export { startHttpServer } from '@claudine/mcp';",
      "import '@claudine/mcp';",
      "const mcp = await import('@claudine/mcp');",
      "const mcp = require('@claudine/mcp');",
      "import { x } from '@claudine/mcp/dist/server.js';",
    ]) {
      expect(loadsPackage(code, '@claudine/mcp'), code).toBe(true);
    }
    expect(loadsPackage("require.resolve('@claudine/mcp/package.json')", '@claudine/mcp')).toBe(false);
    expect(loadsPackage("import { x } from '@claudine/mcp-other';", '@claudine/mcp')).toBe(false);
  });
});

/** True when `code` imports, re-exports or requires `target` (its manifest aside). */
function loadsPackage(code: string, target: string): boolean {
  const escaped = target.replaceAll(/[/@.-]/g, (character) => `\\${character}`);
  const load = new RegExp(
    `(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\brequire\\s*\\(\\s*|\\bimport\\s+)['"\`]${escaped}(?:/(?!package\\.json['"\`])[^'"\`]*)?['"\`]`,
  );
  return load.test(code);
}

describe('package conventions', () => {
  for (const pkg of published) {
    it(`${pkg.manifest.name} is an ESM package for Node >= 20.19 with a README`, () => {
      const manifest = pkg.manifest;
      expect(manifest.type).toBe('module');
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.engines?.node).toBe('>=20.19');
      // A package that exports code publishes dist/; one that ships only bins, the bundled ones.
      expect(manifest.files).toContain(manifest.exports?.['.'] === undefined ? 'bundle' : 'dist');
      for (const bin of Object.values(manifest.bin ?? {})) {
        expect(
          manifest.files?.some((entry) => bin.replace(/^\.\//, '').startsWith(`${entry}/`)),
          `${bin} is published`,
        ).toBe(true);
      }
      expect(manifest.exports?.['./package.json']).toBe('./package.json');
      if (manifest.exports?.['.'] !== undefined) {
        expect(manifest.exports['.']).toEqual({
          '@claudine/source': './src/index.ts',
          types: './dist/index.d.ts',
          default: './dist/index.js',
        });
      }
      expect(readFileSync(join(pkg.dir, 'README.md'), 'utf8').length).toBeGreaterThan(200);
    });
  }

  for (const pkg of published.filter((candidate) => candidate.manifest.exports?.['.'] !== undefined)) {
    it(`${pkg.manifest.name} exports a named list, never export *`, () => {
      expect(readFileSync(join(pkg.dir, 'src', 'index.ts'), 'utf8')).not.toMatch(/export \*/);
    });
  }

  it('keeps tooling private', () => {
    for (const pkg of packages.filter((candidate) => candidate.relativeDir.startsWith('tooling'))) expect(pkg.manifest.private).toBe(true);
  });
});
