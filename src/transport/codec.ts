// The byte format of one Raft message on the wire: msgpack of the plain object of
// src/raft/types.ts, so the core's types stay the single definition of the message shapes.
import { Packr } from 'msgpackr';
import { packExact } from '../common/msgpack-writer.js';
import type { Message } from '../raft/types.js';
import { InvalidMessageError } from './errors.js';
import { validateMessage } from './validate.js';

/**
 * One Packr for the process. Plain maps, not msgpackr records (other languages could not read
 * them). Decoded entry data are Buffer views into the received gRPC batch, not copies: copying
 * made decoding a 64-entry append 3× slower (one small allocation per entry). The cost is that
 * a retained entry keeps its batch (≤ maxBatchBytes, mostly the neighbouring entries) alive.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  int64AsType: 'number',
});

/**
 * Encodes one message into a Buffer of its own, valid after later calls: the exact framing writes
 * the bytes msgpackr gives the message (a peer of another version reads them alike), msgpackr
 * itself only for a value the framing leaves to it (none of src/raft/types.ts's shapes).
 */
export function encodeMessage(msg: Message): Buffer {
  return packExact(msg) ?? packr.pack(msg);
}

/** Decodes and validates one message; throws InvalidMessageError on malformed bytes or shapes. */
export function decodeMessage(bytes: Uint8Array): Message {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new InvalidMessageError(`undecodable message: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validateMessage(value);
}
