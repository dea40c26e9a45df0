#!/bin/bash
# The cost of TLS and auth (issue 14): 64-client puts against a fresh `raftdb dev` cluster,
# alternating A (plaintext, auth off) and B (`dev --tls`, auth on, the load authenticating as a
# non-root user with readwrite on bench/ by token), with the CPU time of the three node processes
# per put (utime + stime from /proc, the figure that moves least with the host's load).
# Usage: npm run build && scripts/bench-auth.sh [rounds]   (OPS=40000 puts measured per run)
set -u
cd "$(dirname "$0")/.."
R="node dist/src/cli/main.js"
OPS=${OPS:-40000}
ROUNDS=${1:-3}
BASE=${BASE_PORT:-7401}
EP="--endpoints 127.0.0.1:$BASE,127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2))"
cpu() { local t=0 f; for p in "$@"; do f=($(cut -d' ' -f14,15 "/proc/$p/stat")); t=$((t + f[0] + f[1])); done; echo $t; }
run() {
  local kind=$1 i=$2 dir tls="" extra="" pid pids c0 c1
  dir=$(mktemp -d /tmp/raftdb-bench-auth-XXXX)
  [ "$kind" = B ] && tls="--tls"
  $R dev $tls --dir "$dir" --base-port "$BASE" --http-base-port $((BASE + 2000)) > "$dir.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do grep -q "cluster ready" "$dir.log" 2>/dev/null && break; sleep 0.5; done
  pids=$(grep -o 'pid [0-9]*' "$dir.log" | awk '{print $2}')
  if [ "$kind" = B ]; then
    local c="--cacert $dir/certs/ca.crt"
    $R user add root:rootpw $EP $c > /dev/null && $R user grant-role root root $EP $c > /dev/null
    $R user add bench:benchpw $EP $c > /dev/null && $R role add bench $EP $c > /dev/null
    $R role grant-permission bench readwrite bench/ --prefix $EP $c > /dev/null && $R user grant-role bench bench $EP $c > /dev/null
    $R auth enable $EP $c > /dev/null
    extra="$c --user bench:benchpw"
  fi
  $R bench $EP $extra --concurrency 64 --ops 20000 --warmup 0 --json > /dev/null 2>&1 # warm-up
  c0=$(cpu $pids)
  $R bench $EP $extra --concurrency 64 --ops "$OPS" --warmup 0 --json > "$dir.json" 2> /dev/null
  c1=$(cpu $pids)
  local ticks
  ticks=$(getconf CLK_TCK)
  node -e "const r=require('$dir.json'); console.log('$kind', r.opsPerSec, 'puts/s, p50', r.latencyMs.p50, 'ms, errors', r.errors, ', node CPU per put', Math.round(($c1-$c0)*1e6/$ticks/$OPS), 'us')"
  kill -TERM "$pid"; wait "$pid" 2> /dev/null
  rm -rf "$dir" "$dir.log" "$dir.json"
}
for i in $(seq 1 "$ROUNDS"); do run A "$i"; run B "$i"; done
