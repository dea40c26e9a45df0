import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where `proto/` lives: found by walking up from this file (works from src/ and from dist/src/). */
export function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'proto', 'raftdb', 'v1', 'kv.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('raftdb: cannot find the proto/ directory next to the installed package');
}

/**
 * Loader options shared by the server, the peer transport and the client, so every side sees
 * the same JavaScript shapes: camelCase fields, int64 as JS numbers (revisions and indexes stay
 * below 2^53), enums as their names, bytes as Buffers, defaults filled in.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

/** The raftdb.v1 services. */
export interface RaftdbPackage {
  KV: grpc.ServiceClientConstructor;
  Cluster: grpc.ServiceClientConstructor;
  Raft: grpc.ServiceClientConstructor;
  Maintenance: grpc.ServiceClientConstructor;
  Auth: grpc.ServiceClientConstructor;
}

let cached: RaftdbPackage | null = null;

let definition: protoLoader.PackageDefinition | null = null;

/** The parsed proto/raftdb/v1/*.proto (what server reflection describes to tools like grpcurl). */
export function raftdbPackageDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync(['raftdb/v1/kv.proto', 'raftdb/v1/cluster.proto', 'raftdb/v1/raft.proto', 'raftdb/v1/auth.proto', 'raftdb/v1/maintenance.proto'], {
    ...LOADER_OPTIONS,
    includeDirs: [protoRoot()],
  });
  return definition;
}

/** Loads proto/raftdb/v1/*.proto once per process. */
export function loadRaftdbProto(): RaftdbPackage {
  if (cached) return cached;
  const pkg = grpc.loadPackageDefinition(raftdbPackageDefinition()) as unknown as { raftdb: { v1: RaftdbPackage } };
  cached = pkg.raftdb.v1;
  return cached;
}

let health: grpc.ServiceClientConstructor | null = null;

/** Loads the standard grpc.health.v1.Health service definition. */
export function loadHealthProto(): grpc.ServiceClientConstructor {
  if (health) return health;
  const def = protoLoader.loadSync('grpc/health/v1/health.proto', { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  health = pkg.grpc.health.v1.Health;
  return health;
}
