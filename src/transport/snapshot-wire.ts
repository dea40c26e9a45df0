// The sending side's encoding of raftdb.v1.SnapshotChunk messages: each message is encoded into a
// Buffer of its own before it is handed to gRPC, which then sends those bytes as they are. The
// data chunks, almost all of a transfer's bytes, are written by hand (protobuf field tag, varint
// length, bytes): one copy of the source's chunk, taken at once, so the source may reuse its
// buffer for the next chunk (src/state/snapshot-format.ts) — grpc-js's own object path would keep
// the chunk, unserialised, in its stream's write buffer for as long as it likes. A fresh Buffer per
// message is required anyway: grpc-js may hold a serialised message after write() returns (its
// retry buffer keeps messages until the call commits; its framing copies them asynchronously).
/** raft.proto: `bytes data = 4;` — field 4, wire type 2 (length-delimited). */
const DATA_TAG = (4 << 3) | 2;
/** raft.proto: `bool last = 5;` — field 5, wire type 0 (varint), value 1. */
const LAST_MESSAGE = Buffer.from([(5 << 3) | 0, 1]);

/** Bytes of the varint encoding of a non-negative integer below 2^32. */
function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

/**
 * A SnapshotChunk holding only `data`, encoded as protobuf would encode `{ data }`, in a new
 * Buffer that copies `data` (which the caller may overwrite as soon as this returns).
 */
export function encodeDataChunk(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintBytes(data.length) + data.length);
  out[0] = DATA_TAG;
  let pos = 1;
  for (let n = data.length; ; n = Math.floor(n / 0x80)) {
    if (n < 0x80) {
      out[pos++] = n;
      break;
    }
    out[pos++] = (n % 0x80) | 0x80;
  }
  out.set(data, pos);
  return out;
}

/** The final SnapshotChunk, `{ last: true }` and nothing else, encoded (a new Buffer each call). */
export function encodeLastChunk(): Buffer {
  return Buffer.from(LAST_MESSAGE);
}

/**
 * InstallSnapshot's request serialiser for a sender that writes messages already encoded (the
 * functions above, or `requestSerialize` of the object form for the first message): gRPC sends
 * the Buffer it is given. Only Buffers pass, so an object written by mistake fails the call at
 * once rather than going out as garbage.
 */
export function serializeEncoded(encoded: Buffer): Buffer {
  if (!Buffer.isBuffer(encoded)) throw new TypeError('InstallSnapshot: the sender writes encoded chunks only');
  return encoded;
}
