// Node ports below the kernel's ephemeral range (src/cluster/listen-ports.ts): a port a node
// must keep across a restart cannot then be taken by an outgoing connection's local end.
import { describe, expect, it } from 'vitest';
import { canBind, ephemeralLow, listenPorts } from '../../src/cluster/listen-ports.js';
import { freePorts } from '../../src/cluster/local-cluster.js';

describe('listen ports', () => {
  it('are distinct, free, and below the ephemeral range', async () => {
    const low = ephemeralLow();
    for (const ports of [await listenPorts(10), await freePorts(10)]) {
      expect(new Set(ports).size).toBe(10);
      for (const p of ports) {
        expect(p).toBeLessThan(low);
        expect(await canBind(p)).toBe(true);
      }
    }
  });
});
