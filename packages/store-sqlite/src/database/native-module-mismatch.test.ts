import { describe, expect, it } from 'vitest';
import { describeModuleVersion, nativeModuleMismatch, rebuildCommand } from './native-module-mismatch.js';
import { toStorageError } from './sqlite-errors.js';

// The error exactly as Node.js v22.23.5 threw it loading this checkout's better-sqlite3, built
// for Node.js 20 (captured by running the store under that Node; building better-sqlite3 for
// another ABI needs that Node's headers, which cannot be fetched here).
const NODE_22_LOADING_A_NODE_20_BUILD = Object.assign(
  new Error(
    "The module '/work/claudine/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\n' +
      'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 127. Please try re-compiling or re-installing\n' +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  ),
  { code: 'ERR_DLOPEN_FAILED' },
);

describe('a native module built for another Node.js', () => {
  it('says which Node.js it was built for, which one runs, and the command that rebuilds it', () => {
    const error = nativeModuleMismatch(NODE_22_LOADING_A_NODE_20_BUILD, 'v22.23.5');
    expect(error).toMatchObject({ code: 'native_module_mismatch', details: { builtFor: 115, required: 127 } });
    expect(error?.message).toContain('built for Node.js 20 (NODE_MODULE_VERSION 115)');
    expect(error?.message).toContain('this is Node.js v22.23.5 (NODE_MODULE_VERSION 127)');
    expect(error?.message).toContain('`cd /work/claudine && pnpm rebuild better-sqlite3`');
    expect(error?.message).not.toContain('db check');
    expect(error?.cause).toBe(NODE_22_LOADING_A_NODE_20_BUILD);
  });

  it('is what a storage error becomes, instead of a database problem', () => {
    const error = toStorageError(NODE_22_LOADING_A_NODE_20_BUILD, '/home/me/.local/share/claudine/claudine.db', 'open the database');
    expect(error.code).toBe('native_module_mismatch');
    expect(error.message).toContain('The database itself is fine');
    expect(toStorageError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }), '/x.db', 'open the database').code).toBe(
      'storage_failed',
    );
  });

  it('names every Node.js major by its module version, and an unknown one by its number', () => {
    expect(describeModuleVersion(137)).toBe('Node.js 24 (NODE_MODULE_VERSION 137)');
    expect(describeModuleVersion(108)).toBe('Node.js 18 (NODE_MODULE_VERSION 108)');
    expect(describeModuleVersion(999)).toBe('NODE_MODULE_VERSION 999');
  });

  it('rebuilds with npm where npm installed Claudine, and says where when the path is unknown', () => {
    expect(rebuildCommand('/usr/lib/node_modules/claudine/node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(
      '`cd /usr/lib/node_modules/claudine && npm rebuild better-sqlite3`',
    );
    expect(rebuildCommand(undefined)).toMatch(/npm rebuild better-sqlite3.*pnpm rebuild better-sqlite3/);
  });

  it('leaves every other error alone', () => {
    expect(nativeModuleMismatch(new Error('Cannot find module better-sqlite3'))).toBeUndefined();
    expect(nativeModuleMismatch('NODE_MODULE_VERSION 1')).toBeUndefined();
  });
});
