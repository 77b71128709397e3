/** `buffers` without their first `count` bytes (the whole buffers dropped, the next one cut). */
export function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let rest = count;
  let index = 0;
  while (index < buffers.length && rest >= (buffers[index] as Buffer).length) {
    rest -= (buffers[index] as Buffer).length;
    index += 1;
  }
  const remaining = buffers.slice(index);
  if (rest > 0 && remaining.length > 0) remaining[0] = (remaining[0] as Buffer).subarray(rest);
  return remaining;
}

/** How many bytes at the end of `chunk` begin a UTF-8 character that the chunk does not finish. */
export function incompleteUtf8Tail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back += 1) {
    const byte = chunk[chunk.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    if ((byte & 0x80) === 0) return 0;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back < needed ? back : 0;
  }
  return 0;
}
