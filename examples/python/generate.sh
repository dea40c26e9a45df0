#!/usr/bin/env bash
# Generates the Python stubs of raftdb's API from proto/ into ./gen (grpcio-tools' protoc).
#   python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && PYTHON=.venv/bin/python ./generate.sh
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
rm -rf gen && mkdir -p gen
"$PYTHON" -m grpc_tools.protoc -I ../../proto --python_out=gen --grpc_python_out=gen \
  ../../proto/raftdb/v1/kv.proto ../../proto/raftdb/v1/cluster.proto ../../proto/raftdb/v1/auth.proto
echo "generated $(find gen -name '*.py' | wc -l) modules in $(pwd)/gen"
