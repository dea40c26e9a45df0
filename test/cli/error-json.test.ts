// The JSON form of a failed command: a local cluster that did not start (raftdb dev, bench
// --start-cluster) is an expected failure, FAILED, as it was while src/cli threw it as a
// CliFailure, before LocalCluster moved to src/cluster (which imports nothing of the CLI).
import { describe, expect, it } from 'vitest';
import { errorDocument } from '../../src/cli/error-json.js';
import { LocalClusterError } from '../../src/cluster/local-cluster.js';

describe('errorDocument', () => {
  it('reports a local cluster that did not start as FAILED, with its message', () => {
    const err = new LocalClusterError('node n2 exited during start (code 1)');
    expect(errorDocument(err, 1)).toEqual({ error: { code: 'FAILED', message: 'node n2 exited during start (code 1)', exitCode: 1 } });
  });

  it('reports anything unexpected as UNKNOWN', () => {
    expect(errorDocument(new Error('boom'), 1)).toEqual({ error: { code: 'UNKNOWN', message: 'boom', exitCode: 1 } });
  });
});
