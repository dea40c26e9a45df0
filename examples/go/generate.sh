#!/usr/bin/env bash
# Generates the Go stubs of raftdb's API from proto/ into ./gen (protoc, protoc-gen-go and
# protoc-gen-go-grpc; on Debian: apt-get install protobuf-compiler protoc-gen-go protoc-gen-go-grpc).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf gen && mkdir -p gen
# The protos carry no go_package option (they are language-neutral); map them here.
GO_PKG=raftdb.example/gen/raftdb/v1
maps=()
for f in kv cluster auth; do maps+=("--go_opt=Mraftdb/v1/$f.proto=$GO_PKG;raftdbv1" "--go-grpc_opt=Mraftdb/v1/$f.proto=$GO_PKG;raftdbv1"); done
protoc -I ../../proto --go_out=gen --go_opt=paths=source_relative --go-grpc_out=gen --go-grpc_opt=paths=source_relative "${maps[@]}" \
  ../../proto/raftdb/v1/kv.proto ../../proto/raftdb/v1/cluster.proto ../../proto/raftdb/v1/auth.proto
echo "generated $(find gen -name '*.go' | wc -l) files in $(pwd)/gen"
