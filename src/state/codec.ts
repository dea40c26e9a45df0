// The one msgpack codec of the state machine: commands, stored records, watch events and
// snapshot chunks all go through it, so the byte format has a single definition.
import { Packr } from 'msgpackr';
import { packExact } from '../common/msgpack-writer.js';

/**
 * Plain maps instead of msgpackr "records": records are a msgpackr extension that other
 * languages' decoders (and a future client in another language) would not understand.
 * Binary values decode as Buffer, which is a Uint8Array.
 */
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'number',
});

/**
 * Encode one value into a Buffer of its own (exact framing, the same bytes as `packr.pack`; values
 * it does not frame, such as a Map, go through msgpackr, which never rewrites handed-out bytes).
 */
export function pack(value: unknown): Buffer {
  return packExact(value) ?? packr.pack(value);
}

/**
 * Encode one value into memory of its own, exactly as long as the encoding: for bytes that outlive
 * the call (Raft entries). `pack` cuts small outputs from a shared slab (and msgpackr, for what the
 * writer does not frame, returns views into its shared output buffer, which grew to 3.8 MiB after
 * a load of 64 KiB values): one kept output keeps the whole slab or buffer alive, and with it every
 * record and watch event packed beside it. With 64 KiB puts the leader's entries kept 3-4x their
 * own size alive that way (docs/performance.md, "Memory").
 */
export function packOwned(value: unknown): Buffer {
  const exact = packExact(value, true);
  if (exact) return exact;
  const view = packr.pack(value);
  // Not Buffer.from: Node's shared 8 KiB pool slab would be a smaller version of the same problem.
  const owned = Buffer.allocUnsafeSlow(view.length);
  view.copy(owned);
  return owned;
}

/**
 * Decode one value; throws on malformed or trailing bytes. msgpackr leaves a DataView on the
 * object it decodes (`bytes.dataView`, 80 B and a property array): decoding a throwaway view of
 * the same bytes keeps it off what stays in memory, such as every entry's payload in the Raft log
 * and the WAL cache (110,000 DataViews, 9 MiB, on a node after 120,000 small puts).
 */
export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
