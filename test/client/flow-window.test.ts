// Our client opens a 4 MiB HTTP/2 receive window (src/client/endpoints.ts): with HTTP/2's 64 KiB a
// server could send it only 16 results of 4 KiB per round trip. A raw HTTP/2 server reads the
// window from the SETTINGS the client sends when it connects.
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../../src/client/index.js';
import { settingsProbe } from '../support/http2-settings.js';

describe('the client HTTP/2 receive window', () => {
  it('is announced as 4 MiB in the SETTINGS of its connection', async () => {
    const probe = await settingsProbe();
    const client = connect({ endpoints: [probe.address], timeoutMs: 1000 });
    onTestFinished(() => client.close());
    await client.get('k', { consistency: 'serializable' }).catch(() => undefined);
    expect(await probe.initialWindowSize).toBe(4 * 1024 * 1024);
  });
});
