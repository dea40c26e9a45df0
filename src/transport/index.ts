// Public surface of the peer transport: the client (GrpcPeerTransport), the server side
// (registerRaftService), their configuration and stats types, and the typed errors.
export { GrpcPeerTransport, DEFAULT_SNAPSHOT_SEND_BYTES_PER_SEC, DEFAULT_TRANSPORT_OPTIONS, type TransportStats } from './transport.js';
export { registerRaftService } from './server.js';
export { PeerIdentityError, MEMBERS_ONLY, tlsPeerAuthorizer, type PeerAuthorizer, type PeerProof, type CallAuth, clip } from './peer-auth.js';
export { InvalidMessageError, ForeignMessageError, TransportClosedError } from './errors.js';
export { MAX_SNAPSHOT_CHUNK_BYTES, type ForwardReply, type ForwardRequest } from './rpc.js';
export { ForwardChannelError, type ForwardCall, type ForwardChannelStats } from './forward-channel.js';
export { ByteRateLimiter, REAL_RATE_CLOCK, type RateClock, type SnapshotPacer } from './rate-limiter.js';
export type {
  ForwardHandler,
  ForwardSender,
  ForwardServerLimits,
  PeerStats,
  PeerTransportConfig,
  RaftServiceConfig,
  RaftServiceHandle,
  RaftServiceStats,
  SnapshotSource,
  TransportHandlers,
  TransportLogger,
  TransportOptions,
} from './types.js';
