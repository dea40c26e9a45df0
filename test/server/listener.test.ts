import { connect, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { listen, splitHostPort } from '../../src/server/listener.js';

describe('splitHostPort', () => {
  test.each([
    ['127.0.0.1:7001', { host: '127.0.0.1', port: 7001 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['n1:7001', { host: 'n1', port: 7001 }],
    [':7001', { host: '', port: 7001 }],
  ])('%s', (address, parts) => {
    expect(splitHostPort(address)).toEqual(parts);
  });

  test.each(['127.0.0.1', '::1:7001', 'h:70000', 'h:x'])('refuses %s', (address) => {
    expect(() => splitHostPort(address)).toThrow(/not host:port/);
  });
});

describe('listen', () => {
  test('port 0 picks a free port; every connection is handed over; close stops accepting', async () => {
    const accepted: Socket[] = [];
    const l = await listen('127.0.0.1:0', (s) => accepted.push(s));
    expect(l.port).toBeGreaterThan(0);
    const c = connect(l.port, '127.0.0.1');
    await new Promise((r) => c.once('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted.length).toBe(1);
    l.close();
    const refused = connect(l.port, '127.0.0.1');
    const err = await new Promise<NodeJS.ErrnoException>((r) => refused.once('error', r));
    expect(err.code).toBe('ECONNREFUSED');
    c.destroy();
    for (const s of accepted) s.destroy();
  });

  test('a port in use is an error naming EADDRINUSE', async () => {
    const first = await listen('127.0.0.1:0', () => {});
    await expect(listen(`127.0.0.1:${first.port}`, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
    first.close();
  });
});
