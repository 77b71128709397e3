// Writes <mebibytes> MiB to <file> in 1 MiB writes, fsyncs, reads it back, then exits:
// `node write-file.mjs /tmp/x 32`.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

const [file = '', mebibytes = '16'] = process.argv.slice(2);
const chunk = Buffer.alloc(1024 * 1024, 7);
const descriptor = openSync(file, 'w');
for (let index = 0; index < Number(mebibytes); index += 1) writeSync(descriptor, chunk);
fsyncSync(descriptor);
closeSync(descriptor);
if (readFileSync(file).length !== Number(mebibytes) * chunk.length) process.exit(1);
