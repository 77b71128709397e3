import { ClaudineError } from '@claudine/core';

// NODE_MODULE_VERSION of each Node.js major (node-abi's registry). A version not listed here is
// named by its number alone.
const NODE_MAJOR_BY_MODULE_VERSION: Readonly<Record<number, number>> = {
  93: 16,
  102: 17,
  108: 18,
  111: 19,
  115: 20,
  120: 21,
  127: 22,
  131: 23,
  137: 24,
  141: 25,
  147: 26,
  153: 27,
};

/** The Node.js a native module version stands for: `Node.js 22 (NODE_MODULE_VERSION 127)`. */
export function describeModuleVersion(version: number): string {
  const major = NODE_MAJOR_BY_MODULE_VERSION[version];
  return major === undefined ? `NODE_MODULE_VERSION ${version}` : `Node.js ${major} (NODE_MODULE_VERSION ${version})`;
}

/**
 * Recognises the error Node.js throws when a native module (here better-sqlite3's) was built for
 * another Node.js version, as happens after switching versions with nvm and the like, and turns
 * it into a `native_module_mismatch` error that says which Node.js the module was built for,
 * which one runs, and the command that rebuilds it. Undefined for any other error.
 */
export function nativeModuleMismatch(error: unknown, runningNode: string = process.version): ClaudineError | undefined {
  const message = error instanceof Error ? error.message : '';
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message);
  if (versions === null) return undefined;
  const builtFor = Number(versions[1]);
  const required = Number(versions[2]);
  const file = /The module '([^']+)'/.exec(message)?.[1];
  return new ClaudineError(
    'native_module_mismatch',
    `better-sqlite3 was built for ${describeModuleVersion(builtFor)}, but this is Node.js ${runningNode} (NODE_MODULE_VERSION ${required}), so Claudine cannot open its database. The database itself is fine. Rebuild the module for this Node.js: ${rebuildCommand(file)}. Or switch back to the Node.js it was built for.`,
    { cause: error, details: { builtFor, required, runningNode, ...(file === undefined ? {} : { file }) } },
  );
}

/**
 * The command that rebuilds better-sqlite3 where it is installed: `pnpm rebuild` in a pnpm
 * checkout (its packages live under `node_modules/.pnpm`), else `npm rebuild`, in the directory
 * that holds the `node_modules` it was loaded from.
 */
export function rebuildCommand(file: string | undefined): string {
  const pnpm = file?.split('/node_modules/.pnpm/');
  if (pnpm !== undefined && pnpm.length > 1 && pnpm[0] !== undefined && pnpm[0] !== '') {
    return `\`cd ${pnpm[0]} && pnpm rebuild better-sqlite3\``;
  }
  const at = file?.lastIndexOf('/node_modules/better-sqlite3/') ?? -1;
  if (file !== undefined && at > 0) return `\`cd ${file.slice(0, at)} && npm rebuild better-sqlite3\``;
  return '`npm rebuild better-sqlite3` in the directory Claudine is installed in (`pnpm rebuild better-sqlite3` in a checkout)';
}
