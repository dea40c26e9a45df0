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

/** Decode one value; throws on malformed or trailing bytes. */
export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
