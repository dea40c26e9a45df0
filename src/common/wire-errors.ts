// Error statuses whose message is part of the wire contract: a client recognises them by code and
// message, as etcd's clients recognise etcd's errors by their description (rpctypes). One
// definition here, used by the server that raises them and by our client that recognises them;
// proto/raftdb/v1/auth.proto documents them for clients in other languages.

/** Authenticate on a cluster with auth off: FAILED_PRECONDITION with this message. */
export const AUTH_NOT_ENABLED_MESSAGE = 'auth is not enabled: requests need no token';
