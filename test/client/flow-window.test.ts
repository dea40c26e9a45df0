// Our client opens a 4 MiB HTTP/2 receive window (src/client/endpoints.ts): with HTTP/2's 64 KiB a
// server could send it only 16 results of 4 KiB per round trip. A raw HTTP/2 server reads the
// window from the SETTINGS the client sends when it connects.
import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

describe('the client HTTP/2 receive window', () => {
  it('is announced as 4 MiB in the SETTINGS of its connection', async () => {
    const server = http2.createServer();
    const seen = new Promise<number | undefined>((resolve) => {
      server.on('session', (session) => session.once('remoteSettings', (s) => resolve(s.initialWindowSize)));
    });
    // Not a gRPC server: the call fails, after the connection said what it takes.
    server.on('stream', (stream) => stream.respond({ ':status': 404 }, { endStream: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const client: RaftdbClient = connect({ endpoints: [`127.0.0.1:${(server.address() as { port: number }).port}`], timeoutMs: 1000 });
    closers.push(() => client.close());
    await client.get('k', { consistency: 'serializable' }).catch(() => undefined);
    expect(await seen).toBe(4 * 1024 * 1024);
  });
});
