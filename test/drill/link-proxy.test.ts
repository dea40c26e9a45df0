// The link proxy on a plain TCP echo server: CONNECT through it, then cut, cut one way, delay,
// and heal, as the process backend's nemeses do to Raft traffic.
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LinkProxy } from '../../src/drill/link-proxy.js';

let echo: Server;
let echoAddress: string;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoAddress = `127.0.0.1:${(echo.address() as { port: number }).port}`;
});
afterAll(() => echo.close());

/** A tunnel through `proxyUrl` to the echo server, or null if the proxy does not answer in `ms`. */
async function tunnel(proxyUrl: string, ms = 300): Promise<Socket | null> {
  const u = new URL(proxyUrl);
  const req = request({ host: u.hostname, port: u.port, method: 'CONNECT', path: echoAddress });
  req.end();
  const timer = sleep(ms).then(() => null);
  const connected = once(req, 'connect').then(([res, socket]) => ((res as { statusCode: number }).statusCode === 200 ? (socket as Socket) : null));
  const s = await Promise.race([connected, timer]);
  if (s === null) req.destroy();
  return s;
}

/** What comes back for `text` within `ms` ('' when nothing does). */
async function roundTrip(s: Socket, text: string, ms = 300): Promise<string> {
  let got = '';
  const onData = (d: Buffer): void => void (got += d.toString());
  s.on('data', onData);
  s.write(text);
  await sleep(ms);
  s.off('data', onData);
  return got;
}

describe('LinkProxy', () => {
  test('forwards, drops both ways under a partition, holds new connections, and heals', async () => {
    const proxy = new LinkProxy();
    const url = await proxy.addSource('a');
    proxy.setAddress('b', echoAddress);
    try {
      const s = (await tunnel(url))!;
      expect(await roundTrip(s, 'hello')).toBe('hello');
      proxy.cut('a', 'b');
      proxy.cut('b', 'a');
      expect(await roundTrip(s, 'lost')).toBe('');
      expect(await tunnel(url)).toBeNull(); // like a dropped SYN
      proxy.heal();
      await sleep(50);
      expect(s.destroyed).toBe(true); // it lost bytes: closed so that the client starts clean
      const fresh = (await tunnel(url))!;
      expect(await roundTrip(fresh, 'again')).toBe('again');
      fresh.destroy();
    } finally {
      await proxy.close();
    }
  });

  test('a one-way cut drops only that direction', async () => {
    const proxy = new LinkProxy();
    const url = await proxy.addSource('a');
    proxy.setAddress('b', echoAddress);
    try {
      const s = (await tunnel(url))!;
      proxy.cut('b', 'a'); // the echo reaches b but its answer never comes back
      expect(await roundTrip(s, 'ping')).toBe('');
      s.destroy();
    } finally {
      await proxy.close();
    }
  });

  test('netem delays in order', async () => {
    const proxy = new LinkProxy(() => 0.5); // no jitter, no loss
    const url = await proxy.addSource('a');
    proxy.setAddress('b', echoAddress);
    try {
      const s = (await tunnel(url))!;
      proxy.setNetem('a', { delayMs: 200, jitterMs: 20, lossPercent: 0 });
      let got = '';
      s.on('data', (d: Buffer) => void (got += d.toString()));
      s.write('12');
      s.write('34');
      await sleep(100);
      expect(got).toBe('');
      await sleep(400);
      expect(got).toBe('1234');
      proxy.clearNetem('a');
      s.write('x');
      await sleep(50);
      expect(got).toBe('1234x');
      s.destroy();
    } finally {
      await proxy.close();
    }
  });
});
