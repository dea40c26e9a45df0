// The gate's decisions on accepted sockets (fake sockets: an address, a port, close and destroy).
// Its interceptor is tested on real nodes: test/integration/fair-limits.test.ts.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ConnectionGate, httpStreamsSetting, REFUSED_GRACE_MS, REFUSED_OPEN_MAX } from '../../src/server/connection-gate.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(
    readonly remoteAddress: string | undefined,
    readonly remotePort: number,
  ) {
    super();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

let port = 1000;
const socket = (address: string | undefined): FakeSocket => new FakeSocket(address, ++port);
const admit = (g: ConnectionGate, s: FakeSocket): boolean => g.admit(s as unknown as Socket);

describe('ConnectionGate.admit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('counts connections per address (IPv4-mapped IPv6 as IPv4); past the limit one is held to be refused, then closed', () => {
    const refused: string[] = [];
    const g = new ConnectionGate({ maxConnectionsPerAddress: 2, maxConcurrentStreams: 10 }, (l) => refused.push(l));
    const a = socket('10.0.0.1');
    expect(admit(g, a)).toBe(true);
    expect(admit(g, socket('::ffff:10.0.0.1'))).toBe(true);
    expect(g.connectionsOf('10.0.0.1')).toBe(2);
    expect(admit(g, socket('10.0.0.2'))).toBe(true); // another address has its own count
    const over = socket('10.0.0.1');
    expect(admit(g, over)).toBe(true); // handed over, to answer its calls RESOURCE_EXHAUSTED
    expect(refused).toEqual(['connections_per_address']);
    expect(g.connectionsOf('10.0.0.1')).toBe(2);
    vi.advanceTimersByTime(REFUSED_GRACE_MS);
    expect(over.destroyed).toBe(true);
    a.emit('close');
    expect(g.connectionsOf('10.0.0.1')).toBe(1);
    expect(admit(g, socket('10.0.0.1'))).toBe(true);
    expect(g.connectionsOf('10.0.0.1')).toBe(2);
  });

  test(`at most ${REFUSED_OPEN_MAX} refused connections are held; past that they are closed at once`, () => {
    const g = new ConnectionGate({ maxConnectionsPerAddress: 1, maxConcurrentStreams: 10 });
    admit(g, socket('10.0.0.1'));
    const held = Array.from({ length: REFUSED_OPEN_MAX }, () => socket('10.0.0.1'));
    for (const s of held) expect(admit(g, s)).toBe(true);
    const more = socket('10.0.0.1');
    expect(admit(g, more)).toBe(false);
    expect(more.destroyed).toBe(true);
    held[0]!.destroy(); // one closes: room for another to be held
    expect(admit(g, socket('10.0.0.1'))).toBe(true);
  });

  test('a socket already gone is closed; the HTTP/2 setting is twice the limit', () => {
    const g = new ConnectionGate({ maxConnectionsPerAddress: 1, maxConcurrentStreams: 10 });
    const gone = socket(undefined);
    expect(admit(g, gone)).toBe(false);
    expect(gone.destroyed).toBe(true);
    expect(httpStreamsSetting({ maxConcurrentStreams: 1024 })).toBe(2048);
    expect(httpStreamsSetting({ maxConcurrentStreams: 2 ** 31 })).toBe(2 ** 31 - 1);
  });
});
