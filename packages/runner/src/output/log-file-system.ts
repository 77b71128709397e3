import { closeSync, ftruncate, openSync, writev, writevSync } from 'node:fs';

/**
 * The file operations the task log writer uses. Tests substitute one that fails like a full disk
 * or a broken device; the default is {@link nodeLogFileSystem}.
 */
export interface LogFileSystem {
  /** Creates (or empties) a file for writing, readable only by its owner; resolves to its fd. */
  open(path: string): Promise<number>;
  /** Writes `buffers` at `position`; resolves to the bytes written, which may be fewer. */
  writev(fd: number, buffers: readonly Buffer[], position: number): Promise<number>;
  /** Cuts the file to `length` bytes. */
  truncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
}

// Writes up to this size are made at once, on the event loop's thread; larger ones on libuv's
// thread pool (see nodeLogFileSystem).
const DIRECT_WRITE_BYTES = 64 * 1024;

// The outcome of a synchronous call, as a promise.
function settled<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

// A write on libuv's thread pool.
function pooledWritev(fd: number, buffers: readonly Buffer[], position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    writev(fd, buffers as Buffer[], position, (error, written) => (error === null ? resolve(written) : reject(error))),
  );
}

/**
 * {@link LogFileSystem} on `node:fs`. Opening, closing and small writes (up to 64 KiB, which is
 * most of them: a pipe gives at most 64 KiB at a time) are made at once on the calling thread:
 * each is quick, where handing it to libuv's thread pool and back costs the event loop a
 * wake-up of another thread each time (BENCHMARKS.md, e2e-throughput). Larger writes, which copy more, and
 * truncations (after a failed write) go to the pool. (The database in the same data directory is written synchronously anyway.)
 */
export const nodeLogFileSystem: LogFileSystem = {
  open: (path) => settled(() => openSync(path, 'w', 0o600)),
  writev(fd, buffers, position) {
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    if (total > DIRECT_WRITE_BYTES) return pooledWritev(fd, buffers, position);
    return settled(() => writevSync(fd, buffers as Buffer[], position));
  },
  truncate: (fd, length) =>
    new Promise((resolve, reject) => ftruncate(fd, length, (error) => (error === null ? resolve() : reject(error)))),
  close: (fd) => settled(() => closeSync(fd)),
};
