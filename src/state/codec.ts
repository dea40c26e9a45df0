// The one msgpack codec of the state machine: commands, stored records, watch events and
// snapshot chunks all go through it, so the byte format has a single definition.
import { Packr } from 'msgpackr';

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

/** Encode one value; the returned Buffer stays valid (msgpackr never rewrites handed-out bytes). */
export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * Encode one value into bytes of their own, exactly as long as the encoding. `pack` returns a view
 * into msgpackr's shared output buffer, which only grows (to 4x the largest value packed: 3.8 MiB
 * after a load of 64 KiB values) and is replaced, not reused, when full: one kept view keeps the
 * whole buffer alive, and with it every record and watch event packed beside it. Use this for
 * bytes that outlive the call (Raft entries): with 64 KiB puts, the leader's entries kept 3-4x
 * their own size alive (docs/performance.md, "Memory").
 */
export function packOwned(value: unknown): Buffer {
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
