// `serve` and `dev` flags and RAFTDB_* variables, checked without starting a node: NodeOptions
// built from them, the failover tuning, and exit 2 with a message naming the flag when wrong.
import { describe, expect, it } from 'vitest';
import { parsePeers, serveOptions } from '../../src/cli/node.js';
import { tuningArgs, tuningOptions } from '../../src/cli/tuning.js';
import { flagProperty, LIMIT_FLAGS } from '../../src/cli/limit-flags.js';
import { raftdb } from './harness.js';

describe('serve options', () => {
  const base = { clusterId: 'c', logLevel: 'info' };
  const three = { ...base, id: 'n1', listen: '127.0.0.1:7001', dataDir: 'd', peers: 'n1=h:1,n2=h:2,n3=h:3' };

  it('builds NodeOptions from flags', () => {
    const o = serveOptions({ ...base, id: 'n2', listen: '0.0.0.0:7002', advertise: 'db2:7002', http: '0.0.0.0:9102', peers: 'n1=db1:7001,n2=db2:7002', dataDir: '/data' });
    expect(o).toMatchObject({ id: 'n2', listen: '0.0.0.0:7002', advertise: 'db2:7002', http: '0.0.0.0:9102', dataDir: '/data', join: false, priority: 1 });
    expect([...o.peers]).toEqual([['n1', 'db1:7001'], ['n2', 'db2:7002']]);
  });

  it('defaults peers to this node alone and http to none', () => {
    const o = serveOptions({ ...base, id: 'n1', listen: '127.0.0.1:7001', http: 'none', dataDir: 'd' });
    expect([...o.peers]).toEqual([['n1', '127.0.0.1:7001']]);
    expect(o.http).toBeNull();
  });

  it('takes the failover tuning and snapshot interval from flags', () => {
    const o = serveOptions({ ...three, priority: '0', preferredLeader: 'n2', autoFailback: true, failbackDelayMs: '0', maxLagEntries: '50', snapshotEntries: '500', asyncReplicationDelayMs: '0', stateMaxOpenFiles: '100' });
    expect(o).toMatchObject({ priority: 0, snapshotEntries: 500, asyncReplicationDelayMs: 0, stateMaxOpenFiles: 100, failover: { preferredLeader: 'n2', autoFailback: true, failbackDelayMs: 0, maxLagEntries: 50 } });
  });

  it('takes the audit log and token lifetime from flags or RAFTDB_* variables', () => {
    expect(serveOptions({ ...three, auditLog: '/var/log/raftdb/audit.jsonl', auditLogMaxBytes: '1048576', auditLogKeep: '3', authTokenTtlMs: '60000' })).toMatchObject({
      audit: { file: '/var/log/raftdb/audit.jsonl', maxBytes: 1048576, keep: 3 },
      auth: { tokenTtlMs: 60000 },
    });
    expect(serveOptions(three, { RAFTDB_AUDIT_LOG: 'a.log', RAFTDB_AUTH_TOKEN_TTL_MS: '2000' })).toMatchObject({ audit: { file: 'a.log' }, auth: { tokenTtlMs: 2000 } });
    expect(serveOptions(three).audit).toBeUndefined();
    expect(() => serveOptions({ ...three, auditLogKeep: '2' })).toThrow(/need --audit-log/);
    expect(() => serveOptions({ ...three, auditLog: 'a', auditLogKeep: '0' })).toThrow(/--audit-log-keep/);
    expect(() => serveOptions({ ...three, authTokenTtlMs: '5' })).toThrow(/--auth-token-ttl-ms/);
  });

  it('takes --http-auth and --http-auth-metrics from flags or RAFTDB_* variables; each needs what it guards', () => {
    const withHttp = { ...three, http: '127.0.0.1:9101' };
    expect(serveOptions(withHttp).httpAuth).toBeUndefined();
    expect(serveOptions({ ...withHttp, httpAuth: true }).httpAuth).toEqual({ metrics: false });
    expect(serveOptions({ ...withHttp, httpAuth: true, httpAuthMetrics: true }).httpAuth).toEqual({ metrics: true });
    expect(serveOptions(withHttp, { RAFTDB_HTTP_AUTH: '1', RAFTDB_HTTP_AUTH_METRICS: 'true' }).httpAuth).toEqual({ metrics: true });
    expect(serveOptions(withHttp, { RAFTDB_HTTP_AUTH: '0' }).httpAuth).toBeUndefined();
    expect(() => serveOptions({ ...withHttp, httpAuthMetrics: true })).toThrow(/--http-auth-metrics .*needs --http-auth/);
    expect(() => serveOptions({ ...three, httpAuth: true })).toThrow(/--http-auth needs --http/);
  });

  it('falls back to RAFTDB_* variables, flags winning', () => {
    const env = { RAFTDB_ID: 'n3', RAFTDB_LISTEN: '127.0.0.1:7003', RAFTDB_DATA_DIR: 'd', RAFTDB_PEERS: 'n1=h:1,n3=h:3', RAFTDB_PRIORITY: '5',
      RAFTDB_PREFERRED_LEADER: 'n1', RAFTDB_AUTO_FAILBACK: 'true', RAFTDB_FAILBACK_DELAY_MS: '2500', RAFTDB_SNAPSHOT_ENTRIES: '100', RAFTDB_ASYNC_REPLICATION_DELAY_MS: '3', RAFTDB_STATE_MAX_OPEN_FILES: '80', RAFTDB_STATE_WRITE_BUFFER_BYTES: '8388608', RAFTDB_STATE_COMPRESSION: 'off' };
    const o = serveOptions({ snapshotEntries: '200' }, env);
    expect(o).toMatchObject({ id: 'n3', priority: 5, snapshotEntries: 200, asyncReplicationDelayMs: 3, stateMaxOpenFiles: 80, stateWriteBufferBytes: 8388608, stateCompression: false, clusterId: 'raftdb', logLevel: 'info', failover: { preferredLeader: 'n1', autoFailback: true, failbackDelayMs: 2500 } });
  });

  it('takes the storage quota from --quota-backend-bytes or RAFTDB_QUOTA_BACKEND_BYTES, the flag winning', () => {
    expect(serveOptions({ ...three, quotaBackendBytes: '4194304' }).quotaBackendBytes).toBe(4194304);
    expect(serveOptions({ ...three }, { RAFTDB_QUOTA_BACKEND_BYTES: '8388608' }).quotaBackendBytes).toBe(8388608);
    expect(serveOptions({ ...three, quotaBackendBytes: '2097152' }, { RAFTDB_QUOTA_BACKEND_BYTES: '8388608' }).quotaBackendBytes).toBe(2097152);
    expect(serveOptions({ ...three }).quotaBackendBytes).toBeUndefined(); // the node's default: 2 GiB
  });

  it('takes the per-client limits from their flags or RAFTDB_* variables, the flag winning; each flag sets the field of its name', () => {
    expect(serveOptions({ ...three, maxStreamBytes: '1048576' }).clientLimits).toEqual({ maxStreamBytes: 1048576 });
    expect(serveOptions({ ...three }, { RAFTDB_MAX_STREAM_BYTES: '2097152' }).clientLimits).toEqual({ maxStreamBytes: 2097152 });
    expect(serveOptions({ ...three, maxStreamBytes: '1048576' }, { RAFTDB_MAX_STREAM_BYTES: '2097152' }).clientLimits).toEqual({ maxStreamBytes: 1048576 });
    expect(serveOptions({ ...three }, { RAFTDB_MAX_STREAM_BYTES_TOTAL: '67108864' }).clientLimits).toEqual({ maxStreamBytesTotal: 67108864 });
    expect(serveOptions({ ...three }).clientLimits).toBeUndefined(); // the node's defaults
    const all = serveOptions({ ...three, maxWatches: '100', maxWatchesPerConnection: '10', maxWatchesPerUser: '20', maxConcurrentStreams: '64' }, { RAFTDB_MAX_CONNECTIONS_PER_ADDRESS: '32' });
    expect(all.clientLimits).toEqual({ maxWatches: 100, maxWatchesPerConnection: 10, maxWatchesPerUser: 20, maxConcurrentStreams: 64, maxConnectionsPerAddress: 32 });
    for (const f of LIMIT_FLAGS) expect(flagProperty(f.flag)).toBe(f.property);
    const shed = serveOptions({ ...three, shedEventLoopDelayMs: '300', shedPendingProposals: '2' }, { RAFTDB_SHED_PENDING_PROPOSAL_BYTES: '1048576', RAFTDB_SHED_APPLY_LAG_ENTRIES: '10' });
    expect(shed.shedding).toEqual({ eventLoopDelayMs: 300, pendingProposals: 2, pendingProposalBytes: 1048576, applyLagEntries: 10 });
    expect(shed.clientLimits).toBeUndefined();
  });

  it.each([
    [{ ...three, maxStreamBytes: '1000' }, /--max-stream-bytes \(RAFTDB_MAX_STREAM_BYTES\): "1000" is not an integer from 65536/],
    [{ ...three, maxWatches: '20000' }, /--max-watches \(RAFTDB_MAX_WATCHES\): "20000" is not an integer from 1 to 16384/],
    [{ ...three, shedEventLoopDelayMs: '10' }, /--shed-event-loop-delay-ms \(RAFTDB_SHED_EVENT_LOOP_DELAY_MS\): "10" is not an integer from 50/],
    [{ ...three, maxConnectionsPerAddress: '2' }, /--max-connections-per-address \(RAFTDB_MAX_CONNECTIONS_PER_ADDRESS\): "2" is not an integer from 8/],
    [{ ...three, quotaBackendBytes: '1000' }, /--quota-backend-bytes \(RAFTDB_QUOTA_BACKEND_BYTES\): "1000" is not an integer from 1048576/],
    [{ ...three, quotaBackendBytes: '2GiB' }, /--quota-backend-bytes .* "2GiB" is not an integer/],
    [{ listen: '127.0.0.1:1', dataDir: 'd' }, /--id/],
    [{ id: 'n1', dataDir: 'd' }, /--listen is required/],
    [{ id: 'n1', listen: 'x', dataDir: 'd' }, /not host:port/],
    [{ id: 'n1', listen: '127.0.0.1:1' }, /--data-dir/],
    [{ id: 'n1', listen: '127.0.0.1:1', dataDir: 'd', peers: 'n2=h:1' }, /must include this node/],
    [{ ...three, priority: '-1' }, /--priority \(RAFTDB_PRIORITY\): "-1" is not an integer from 0 to 1000/],
    [{ ...three, logLevel: 'loud' }, /--log-level .* "loud" is not one of/],
    [{ ...three, preferredLeader: 'n9' }, /"n9" is not a member \(n1, n2, n3\)/],
    [{ ...three, autoFailback: true }, /--auto-failback .* needs --preferred-leader/],
    [{ ...three, failbackDelayMs: '1s' }, /--failback-delay-ms \(RAFTDB_FAILBACK_DELAY_MS\): "1s" is not an integer/],
    [{ ...three, maxLagEntries: '0' }, /--max-lag-entries .* from 1 to/],
    [{ ...three, snapshotEntries: '1e4' }, /--snapshot-entries \(RAFTDB_SNAPSHOT_ENTRIES\): "1e4"/],
    [{ ...three, asyncReplicationDelayMs: '50' }, /--async-replication-delay-ms \(RAFTDB_ASYNC_REPLICATION_DELAY_MS\): "50" is not an integer from 0 to 20/],
    [{ ...three, stateMaxOpenFiles: '10' }, /--state-max-open-files \(RAFTDB_STATE_MAX_OPEN_FILES\): "10" is not an integer from 74 to 50000/],
    [{ ...three, stateWriteBufferBytes: '1048576' }, /--state-write-buffer-bytes \(RAFTDB_STATE_WRITE_BUFFER_BYTES\): "1048576" is not an integer from 4194304 to 1073741824/],
    [{ ...three, stateCompression: 'maybe' }, /--state-compression \(RAFTDB_STATE_COMPRESSION\): "maybe" is not a boolean/],
    [{ ...three, watchHistoryMaxBytes: '256MiB' }, /--watch-history-max-bytes \(RAFTDB_WATCH_HISTORY_MAX_BYTES\): "256MiB" is not an integer from 0 to/],
    [{ ...three, snapshotSendYield: 'sometimes' }, /--snapshot-send-yield \(RAFTDB_SNAPSHOT_SEND_YIELD\): "sometimes" is not a boolean/],
    [{ ...three, snapshotSendMaxBytesPerSec: '-1' }, /--snapshot-send-max-bytes-per-sec \(RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC\): "-1" is not an integer from 0 to/],
    [{ ...three, snapshotSendMaxBytesPerSec: '1048575' }, /1048575 is below 1048576 bytes per second \(1 MiB\/s\); use 0 for no limit/],
    [{ ...three, snapshotSendHeapGrowingPercent: '1001' }, /--snapshot-send-heap-growing-percent \(RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT\): "1001" is not an integer from 0 to 1000/],
    [{ ...three, heapGrowingPercent: '-5' }, /--heap-growing-percent \(RAFTDB_HEAP_GROWING_PERCENT\): "-5" is not an integer from 0 to 1000/],
  ])('refuses bad flags %j', (flags, message) => {
    expect(() => serveOptions({ ...base, ...flags })).toThrow(message);
  });

  it('passes --watch-history-max-bytes (or RAFTDB_WATCH_HISTORY_MAX_BYTES) on; 0 keeps no history', () => {
    expect(serveOptions({ ...three, watchHistoryMaxBytes: '0' }).watchHistoryMaxBytes).toBe(0);
    expect(serveOptions(three, { RAFTDB_WATCH_HISTORY_MAX_BYTES: '1048576' }).watchHistoryMaxBytes).toBe(1048576);
    expect(serveOptions(three).watchHistoryMaxBytes).toBeUndefined();
  });

  it('passes --snapshot-send-max-bytes-per-sec (or RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC) on; 0 is no limit', () => {
    expect(serveOptions({ ...three, snapshotSendMaxBytesPerSec: '0' }).snapshotSendBytesPerSec).toBe(0);
    expect(serveOptions(three, { RAFTDB_SNAPSHOT_SEND_MAX_BYTES_PER_SEC: '33554432' }).snapshotSendBytesPerSec).toBe(33554432);
    expect(serveOptions(three).snapshotSendBytesPerSec).toBeUndefined();
  });

  it('passes --snapshot-send-yield (or RAFTDB_SNAPSHOT_SEND_YIELD) on; unset leaves the node its default (on)', () => {
    expect(serveOptions({ ...three, snapshotSendYield: 'off' }).snapshotSendYield).toBe(false);
    expect(serveOptions(three, { RAFTDB_SNAPSHOT_SEND_YIELD: 'on' }).snapshotSendYield).toBe(true);
    expect(serveOptions(three).snapshotSendYield).toBeUndefined();
  });

  it('passes --snapshot-send-heap-growing-percent (or RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT) on; 0 is V8\'s own factor', () => {
    expect(serveOptions({ ...three, snapshotSendHeapGrowingPercent: '0' }).snapshotSendHeapGrowingPercent).toBe(0);
    expect(serveOptions(three, { RAFTDB_SNAPSHOT_SEND_HEAP_GROWING_PERCENT: '150' }).snapshotSendHeapGrowingPercent).toBe(150);
    expect(serveOptions(three).snapshotSendHeapGrowingPercent).toBeUndefined();
  });

  it('passes --heap-growing-percent (or RAFTDB_HEAP_GROWING_PERCENT) on; 0 is V8\'s own factor', () => {
    expect(serveOptions({ ...three, heapGrowingPercent: '0' }).heapGrowingPercent).toBe(0);
    expect(serveOptions(three, { RAFTDB_HEAP_GROWING_PERCENT: '150' }).heapGrowingPercent).toBe(150);
    expect(serveOptions(three).heapGrowingPercent).toBeUndefined();
  });

  it('does not check the preferred leader of a joining node (it may not know every member)', () => {
    const o = serveOptions({ ...base, id: 'n4', listen: '127.0.0.1:7004', dataDir: 'd', join: true, preferredLeader: 'n1' });
    expect(o.failover).toEqual({ preferredLeader: 'n1' });
  });

  it('rejects malformed peers', () => {
    expect(() => parsePeers('n1=h:1,n1=h:2')).toThrow(/twice/);
    expect(() => parsePeers('n1:h:1')).toThrow(/id=host:port/);
  });

  it('reads RAFTDB_* variables and exits 2 when something is missing or wrong', async () => {
    const r = await raftdb(['serve'], { env: { RAFTDB_ID: 'n1', RAFTDB_LISTEN: '127.0.0.1:7001' } });
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('--data-dir (or RAFTDB_DATA_DIR) is required') });
    const bad = await raftdb(['serve'], { env: { RAFTDB_ID: 'n1', RAFTDB_LISTEN: '127.0.0.1:7001', RAFTDB_DATA_DIR: 'd', RAFTDB_AUTO_FAILBACK: 'maybe' } });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('RAFTDB_AUTO_FAILBACK: "maybe" is not a boolean') });
  });
});

describe('dev tuning', () => {
  it('hands the same tuning to every node as serve flags', () => {
    const t = tuningOptions({ preferredLeader: 'n1', autoFailback: true, failbackDelayMs: '3000', maxLagEntries: '10', snapshotEntries: '1000', asyncReplicationDelayMs: '2', stateMaxOpenFiles: '200', stateWriteBufferBytes: '33554432', stateCompression: 'off', watchHistoryMaxBytes: '1048576', snapshotSendMaxBytesPerSec: '8388608', snapshotSendYield: 'off', snapshotSendHeapGrowingPercent: '0', heapGrowingPercent: '100' }, {}, ['n1', 'n2', 'n3']);
    expect(tuningArgs(t)).toEqual(['--preferred-leader', 'n1', '--auto-failback', '--failback-delay-ms', '3000', '--max-lag-entries', '10', '--snapshot-entries', '1000', '--async-replication-delay-ms', '2', '--state-max-open-files', '200', '--state-write-buffer-bytes', '33554432', '--state-compression', 'off', '--watch-history-max-bytes', '1048576', '--snapshot-send-max-bytes-per-sec', '8388608', '--snapshot-send-yield', 'off', '--snapshot-send-heap-growing-percent', '0', '--heap-growing-percent', '100']);
    expect(tuningArgs(tuningOptions({}, {}, ['n1']))).toEqual([]);
  });

  it('exits 2 before starting anything when a flag is wrong', async () => {
    const r = await raftdb(['dev', '--preferred-leader', 'n4', '--dir', '/nonexistent/never-created']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('"n4" is not a member (n1, n2, n3)') });
    expect((await raftdb(['dev', '--nodes', '4'])).code).toBe(2);
  });
});

describe('serve TLS flags', () => {
  const one = { id: 'n1', listen: '127.0.0.1:7001', dataDir: 'd' };

  it('builds client, peer and HTTP TLS from flags and RAFTDB_* variables', () => {
    const o = serveOptions({ ...one, certFile: 'n1.crt', keyFile: 'n1.key', trustedCaFile: 'ca.crt', clientCertAuth: true, peerCertFile: 'p.crt', peerKeyFile: 'p.key', peerTrustedCaFile: 'pca.crt', peerAllowedCn: 'member', httpCertFile: 'h.crt', httpKeyFile: 'h.key' });
    expect(o.tls).toEqual({
      client: { certFile: 'n1.crt', keyFile: 'n1.key', caFile: 'ca.crt', clientCertAuth: true },
      peer: { certFile: 'p.crt', keyFile: 'p.key', caFile: 'pca.crt', allowedCn: 'member' },
      http: { certFile: 'h.crt', keyFile: 'h.key' },
    });
    const env = { RAFTDB_CERT_FILE: 'a.crt', RAFTDB_KEY_FILE: 'a.key', RAFTDB_CLIENT_CERT_AUTH: 'yes', RAFTDB_TRUSTED_CA_FILE: 'ca.crt' };
    expect(serveOptions(one, env).tls).toEqual({ client: { certFile: 'a.crt', keyFile: 'a.key', caFile: 'ca.crt', clientCertAuth: true } });
    expect(serveOptions(one).tls).toBeUndefined();
  });

  it('refuses half-given pairs and peer TLS without what it needs, naming the flags', () => {
    expect(() => serveOptions({ ...one, certFile: 'x.crt' })).toThrow('--cert-file/--key-file: give both the certificate and the key file');
    expect(() => serveOptions({ ...one, clientCertAuth: true })).toThrow(/need --cert-file and --key-file/);
    expect(() => serveOptions({ ...one, certFile: 'c', keyFile: 'k', peerCertFile: 'p', peerKeyFile: 'q' })).toThrow(/needs --peer-trusted-ca-file/);
    expect(() => serveOptions({ ...one, peerCertFile: 'p', peerKeyFile: 'q', peerTrustedCaFile: 'ca' })).toThrow(/share the gRPC port/);
    expect(() => serveOptions({ ...one, peerAllowedCn: 'x' })).toThrow(/need --peer-cert-file/);
  });

  it('every client verb takes --cacert/--cert/--key, and --cert without --key is a usage error', async () => {
    const r = await raftdb(['get', 'k', '--cacert', 'ca.crt', '--cert', 'c.crt', '--endpoints', '127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cert and --key go together');
  });
});
