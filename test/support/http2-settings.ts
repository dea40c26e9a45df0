// A raw HTTP/2 server (node:http2, not gRPC) that reads the SETTINGS a client announces when it
// connects. grpc-js exposes the receive window it opens (`grpc-node.flow_control_window`) nowhere
// else, so this is how the tests check that a channel asks for more than HTTP/2's 64 KiB.
import * as http2 from 'node:http2';
import { onTestFinished } from 'vitest';

/** A listening raw HTTP/2 server, closed when the current test finishes. */
export interface SettingsProbe {
  /** `127.0.0.1:<port>`, for a gRPC client. */
  address: string;
  /** SETTINGS_INITIAL_WINDOW_SIZE of the first connection (HTTP/2's 65,535 unless raised). */
  initialWindowSize: Promise<number | undefined>;
}

/** Starts a SettingsProbe on 127.0.0.1, port 0. */
export async function settingsProbe(): Promise<SettingsProbe> {
  const server = http2.createServer();
  const initialWindowSize = new Promise<number | undefined>((resolve) => {
    server.on('session', (session) => session.once('remoteSettings', (s) => resolve(s.initialWindowSize)));
  });
  // Not a gRPC server: every call fails, after the connection said what it takes.
  server.on('stream', (stream) => stream.respond({ ':status': 404 }, { endStream: true }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => void server.close());
  return { address: `127.0.0.1:${(server.address() as { port: number }).port}`, initialWindowSize };
}
