#!/usr/bin/env bash
# Everything the test suite needs beyond npm packages, installed idempotently (CI runs on a clean
# clone, possibly on a fresh machine): a Docker engine and the local raftdb:local image for the
# chaos drills, Chromium for the dashboard test, promtool (Debian's prometheus) for the alert rules,
# python3-venv for the Python example's test.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# The Python example's test (test/examples/python.test.ts) makes a virtualenv for grpcio.
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci-prepare: installing ${missing[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/docker-engine.sh
bash scripts/build-image.sh
