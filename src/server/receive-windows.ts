// HTTP/2 receive windows of the node's gRPC server. grpc-js (1.14) leaves its server at HTTP/2's
// default of 64 KiB per connection and per stream, with no option to raise them (the client side
// has `grpc-node.flow_control_window`; the server's is grpc/grpc-node pull request #3058, open).
// A client may then have at most 64 KiB of requests in flight on a connection until the server's
// WINDOW_UPDATE comes back: 64 unary clients putting 4 KiB values over one connection reached the
// leader 11-12 per Ready instead of 64, paying a WAL write and an append per follower for each
// dozen (docs/performance.md, "Receive windows"). grpc-go, which etcd serves with, grows its
// windows with the measured bandwidth-delay product up to 16 MiB.
//
// What a window lets a client send is what the server holds for it when it reads no further: a
// paused Pipeline stream (pipeline-flow.ts) holds up to STREAM_WINDOW_BYTES more, a connection up
// to CONNECTION_WINDOW_BYTES. Unary calls hold their whole message whatever the window, which
// only paces how fast it comes (`grpc.max_receive_message_length` bounds it).
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/** Each stream's receive window (HTTP/2 SETTINGS_INITIAL_WINDOW_SIZE): 16 writes of 64 KiB on one Pipeline stream. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/** Each connection's receive window, over all of its streams. */
export const CONNECTION_WINDOW_BYTES = 4 * 1024 * 1024;

/** The HTTP/2 servers grpc-js made for `server` (its bound ports and connection injectors). */
function http2ServersOf(server: grpc.Server): http2.Http2Server[] | null {
  // grpc-js keeps them in a private map keyed by the Node HTTP/2 server: the one place the server's
  // sessions can be reached. test/server/receive-windows.test.ts fails if a grpc-js upgrade moves it.
  const map = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(map instanceof Map)) return null;
  return [...(map as Map<http2.Http2Server, unknown>).keys()];
}

/**
 * Raises the receive windows of every HTTP/2 server grpc-js has made for `server` so far (call
 * after createConnectionInjector or bindAsync, before connections arrive): the stream window
 * for sessions to come, the connection window of each session as it starts. Returns false when
 * grpc-js's internals were not found, and nothing was changed.
 */
export function raiseReceiveWindows(server: grpc.Server): boolean {
  const servers = http2ServersOf(server);
  if (servers === null || servers.length === 0) return false;
  for (const s of servers) {
    s.updateSettings({ initialWindowSize: STREAM_WINDOW_BYTES });
    s.on('session', (session: http2.ServerHttp2Session) => {
      // Sent as a WINDOW_UPDATE with the server's first frames; throws only for a closed session.
      if (!session.destroyed) session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    });
  }
  return true;
}
