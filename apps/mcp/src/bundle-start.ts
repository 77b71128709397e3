// The bundled bin's first file (bundle/bin.cjs): it loads the server's bundle beside it with its
// compiled code cached. A file of its own, so that the server's bundle is what gets cached.
import { fileURLToPath } from 'node:url';
import { requireBundle } from '@claudine/runtime';

requireBundle(fileURLToPath(new URL('./server.cjs', import.meta.url)));
