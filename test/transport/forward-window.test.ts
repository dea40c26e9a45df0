// A follower's forwarding channel opens a 4 MiB HTTP/2 receive window (forward-channel.ts): its
// replies (a Range result, many forwarded gets) may be far larger than HTTP/2's 64 KiB per round
// trip. A raw HTTP/2 server reads the window from the SETTINGS the channel sends when it connects.
import { describe, expect, it, onTestFinished } from 'vitest';
import { ForwardChannel, type ForwardCall } from '../../src/transport/forward-channel.js';
import { DEFAULT_TRANSPORT_OPTIONS } from '../../src/transport/index.js';
import { raftMethods } from '../../src/transport/rpc.js';
import { settingsProbe } from '../support/http2-settings.js';
import { CLUSTER } from './helpers.js';

describe('the forwarding channel HTTP/2 receive window', () => {
  it('is announced as 4 MiB in the SETTINGS of its connection', async () => {
    const probe = await settingsProbe();
    const channel = new ForwardChannel(probe.address, 'f', CLUSTER, raftMethods(), DEFAULT_TRANSPORT_OPTIONS, undefined);
    onTestFinished(() => channel.close());
    const request: ForwardCall = { method: 'Get', request: Buffer.from('k'), timeoutMs: 1000, hops: 1, token: '', user: '', clientAddress: '', leaderTerm: 0 };
    await channel.send(request).catch(() => undefined);
    expect(await probe.initialWindowSize).toBe(4 * 1024 * 1024);
  });
});
