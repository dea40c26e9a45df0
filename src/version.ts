// The raftdb release this code is; reported by Status, the CLI and every backup manifest.

/** raftdb's version (package.json's). */
export const RAFTDB_VERSION = '0.1.0';
