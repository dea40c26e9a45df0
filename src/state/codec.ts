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

/** Decode one value; throws on malformed or trailing bytes. */
export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
