// The gRPC server's HTTP/2 receive windows are raised (receive-windows.ts): a client sees the
// larger stream window in the server's SETTINGS and the larger connection window in its first
// WINDOW_UPDATE. It reaches into grpc-js's private map of HTTP/2 servers, so this test is what
// fails when a grpc-js upgrade moves it.
import * as http2 from 'node:http2';
import { createServer, type Server } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { CONNECTION_WINDOW_BYTES, raiseReceiveWindows, STREAM_WINDOW_BYTES } from '../../src/server/receive-windows.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A grpc.Server fed by a listener of our own through a connection injector, as node.ts runs it. */
async function injectedServer(raise: boolean): Promise<{ port: number; raised: boolean }> {
  const server = new grpc.Server();
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const raised = raise ? raiseReceiveWindows(server) : false;
  const listener: Server = createServer((socket) => injector.injectConnection(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    listener.close();
    server.forceShutdown();
  });
  return { port: (listener.address() as { port: number }).port, raised };
}

/** What a client learns of the server's receive windows once the connection is set up. */
async function windowsSeenBy(port: number): Promise<{ stream: number | undefined; connection: number | undefined }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  cleanups.push(() => session.destroy());
  await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
  // The WINDOW_UPDATE follows the SETTINGS: one ping round trip later it has arrived.
  await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
  return { stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize };
}

describe('the gRPC server receive windows', () => {
  it("are HTTP/2's 64 KiB without raiseReceiveWindows", async () => {
    const { port } = await injectedServer(false);
    expect(await windowsSeenBy(port)).toEqual({ stream: 65_535, connection: 65_535 });
  });

  it('are raised for a server fed through a connection injector: the stream window in SETTINGS, the connection window at once', async () => {
    const { port, raised } = await injectedServer(true);
    expect(raised).toBe(true);
    expect(await windowsSeenBy(port)).toEqual({ stream: STREAM_WINDOW_BYTES, connection: CONNECTION_WINDOW_BYTES });
  });

  it('reports that nothing was changed for a server without HTTP/2 servers yet', () => {
    expect(raiseReceiveWindows(new grpc.Server())).toBe(false);
  });
});
