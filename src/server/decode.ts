// Requests whose bytes do not decode get INVALID_ARGUMENT, not grpc-js's INTERNAL: the services
// decode through tolerant() (src/proto/tolerant.ts) and each handler calls checkDecoded first.
import * as grpc from '@grpc/grpc-js';
import { undecodable } from '../proto/tolerant.js';
import { RequestError } from './errors.js';

export { tolerant } from '../proto/tolerant.js';

/** Throws INVALID_ARGUMENT when `request` is the marker of an undecodable message. */
export function checkDecoded(request: unknown): void {
  const why = undecodable(request);
  if (why !== null) throw new RequestError(grpc.status.INVALID_ARGUMENT, why);
}
