// The transport logs through the node's logger when given one; otherwise JSON lines on stderr
// (the project's log format), so a refused peer or a failed snapshot is never silent.
import { pino } from 'pino';
import type { TransportLogger } from './types.js';

let fallback: TransportLogger | null = null;

/** The given logger, or a shared pino logger writing synchronously to stderr. */
export function transportLogger(given: TransportLogger | undefined): TransportLogger {
  if (given) return given;
  fallback ??= pino({ base: { component: 'raft-transport' } }, pino.destination({ dest: 2, sync: true }));
  return fallback;
}
