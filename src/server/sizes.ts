// What a decoded message weighs, for the bounds in bytes on what the node holds for clients
// (requests waiting for a leader, a pipeline's operations and results in flight, a watch's
// backlog). Byte fields dominate every message that matters (keys and values); the rest is
// counted at a flat rate per field, which overestimates small messages a little.

/** Fields this deep are counted at the flat rate (a txn's range results sit five levels down). */
const MAX_DEPTH = 6;

/** Bytes a decoded message holds, roughly: its byte fields and strings, plus 8-16 per field. */
export function approxBytes(message: unknown, depth = 0): number {
  if (message instanceof Uint8Array) return message.byteLength;
  if (typeof message === 'string') return message.length;
  if (depth > MAX_DEPTH || typeof message !== 'object' || message === null) return 8;
  let total = 16;
  for (const v of Array.isArray(message) ? message : Object.values(message)) total += approxBytes(v, depth + 1);
  return total;
}

/** A Buffer over the same memory as `bytes` (no copy: responses share the state machine's values). */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
