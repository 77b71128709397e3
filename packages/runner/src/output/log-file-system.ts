import { close, ftruncate, open, writev } from 'node:fs';

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

/** {@link LogFileSystem} on `node:fs`. */
export const nodeLogFileSystem: LogFileSystem = {
  open: (path) => new Promise((resolve, reject) => open(path, 'w', 0o600, (error, fd) => (error === null ? resolve(fd) : reject(error)))),
  writev: (fd, buffers, position) =>
    new Promise((resolve, reject) =>
      writev(fd, buffers as Buffer[], position, (error, written) => (error === null ? resolve(written) : reject(error))),
    ),
  truncate: (fd, length) =>
    new Promise((resolve, reject) => ftruncate(fd, length, (error) => (error === null ? resolve() : reject(error)))),
  close: (fd) => new Promise((resolve, reject) => close(fd, (error) => (error === null ? resolve() : reject(error)))),
};
