import type { Server } from 'node:http';

/** What {@link listenOnLoopback} needs besides the server and port. */
export interface LoopbackListenOptions {
  /** The error to fail with when the port is taken: it should say who may hold it. */
  readonly inUse: (cause: Error) => Error;
  /** Where errors of the listening server go: once it listens, none ends the process. */
  readonly log: (line: string) => void;
}

/**
 * Starts `server` listening on 127.0.0.1 only (Claudine's servers are for this machine). A port
 * in use fails with `inUse`; any other failure to listen as it is.
 */
export function listenOnLoopback(server: Server, port: number, options: LoopbackListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? options.inUse(error) : error);
    });
    server.listen(port, '127.0.0.1', () => {
      server.removeAllListeners('error');
      server.on('error', (error) => options.log(`server: ${error.message}`));
      resolve();
    });
  });
}
