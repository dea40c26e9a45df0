#!/usr/bin/env bash
# Builds and runs the example with Debian's Go packages (golang-go, golang-google-grpc-dev,
# golang-google-protobuf-dev) in GOPATH mode: no module download, so it works offline.
# With network access, `go mod init` + `go get google.golang.org/grpc` works as usual instead.
set -euo pipefail
cd "$(dirname "$0")"
[ -d gen ] || ./generate.sh >/dev/null
work=${RAFTDB_GO_WORK:-$(mktemp -d)}
mkdir -p "$work/src/raftdb.example" "$work/bin"
rm -rf "$work/src/raftdb.example/gen" && cp -r gen main.go "$work/src/raftdb.example/"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" go build -o "$work/bin/raftdb-example" raftdb.example
exec "$work/bin/raftdb-example" "$@"
