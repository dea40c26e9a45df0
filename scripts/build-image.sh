#!/usr/bin/env bash
# Builds the container image raftdb:local WITHOUT any image registry (this machine reaches none):
# a root filesystem is assembled from the host's own node binary and the libraries it links,
# busybox (Debian's busybox-static) for /bin/sh and friends, and the app, then `docker import`ed.
#
#   scripts/build-image.sh                 # idempotent; skips when the inputs did not change
#   RAFTDB_IMAGE=raftdb:dev scripts/build-image.sh
#   RAFTDB_IMAGE_FORCE=1 scripts/build-image.sh   # rebuild even when the inputs hash matches
#   RAFTDB_IMAGE_REF=HEAD scripts/build-image.sh  # src/ and proto/ of a commit, not the work tree
#                                                 # (when others' unfinished edits do not compile)
#
# The app is compiled into a private staging directory (src/ only, with the repo's tsconfig), so a
# build neither depends on nor disturbs the shared dist/. Production node_modules are a pruned
# copy of the repo's (run `npm ci` first), cached per package-lock hash, so a rebuild after a source change takes
# seconds. Real users build deploy/Dockerfile instead (node:20-bookworm-slim base).
#
# Not in the image: iptables and tc (no static builds in Debian). The chaos nemesis runs them from
# the host inside each container's network namespace (`nsenter -t PID -n ...`).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${RAFTDB_IMAGE:-raftdb:local}
CACHE=${RAFTDB_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/raftdb-image}
NODE_BIN=$(readlink -f "$(command -v node)")
APP_UID=10001   # the non-root user the node runs as (same as deploy/Dockerfile)

log() { echo "build-image: $*" >&2; }

docker info >/dev/null 2>&1 || { log "no Docker engine answers; run scripts/docker-engine.sh first"; exit 1; }

# --- 1. Skip when nothing that goes into the image changed -------------------------------------
# Inputs: sources, protos, package manifests, compiler config, this script, the node binary.
REF=${RAFTDB_IMAGE_REF:-}
inputs_hash() {
  (
    cd "$REPO"
    if [ -n "$REF" ]; then
      git rev-parse "$REF:src" "$REF:proto" "$REF:tsconfig.json"
    else
      find src proto -type f \( -name '*.ts' -o -name '*.proto' \) -print0 | sort -z | xargs -0 sha256sum
    fi
    sha256sum package.json package-lock.json tsconfig.json scripts/build-image.sh
    sha256sum "$NODE_BIN"
  ) | sha256sum | cut -c1-16
}
HASH=$(inputs_hash)
CURRENT=$(docker image inspect --format '{{ index .Config.Labels "raftdb.inputs" }}' "$IMAGE" 2>/dev/null || true)
if [ "$CURRENT" = "$HASH" ] && [ -z "${RAFTDB_IMAGE_FORCE:-}" ]; then
  log "$IMAGE is up to date (inputs $HASH)"
  exit 0
fi

STAGE=$(mktemp -d /tmp/raftdb-image.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
ROOTFS=$STAGE/rootfs
mkdir -p "$ROOTFS"/{app,bin,certs,data,etc,tmp,usr/bin,proc,sys,dev}

# --- 2. Compile src/ into the staging app (not into the shared dist/) --------------------------
SRC_ROOT=$REPO
if [ -n "$REF" ]; then
  SRC_ROOT=$STAGE/tree
  mkdir -p "$SRC_ROOT"
  git -C "$REPO" archive "$REF" src proto tsconfig.json package.json | tar -x -C "$SRC_ROOT"
  ln -s "$REPO/node_modules" "$SRC_ROOT/node_modules"   # module resolution walks up from src/
fi
log "compiling src/ with tsc${REF:+ (from $REF)}"
cat >"$STAGE/tsconfig.json" <<EOF
{
  "extends": "$SRC_ROOT/tsconfig.json",
  "compilerOptions": {
    "rootDir": "$SRC_ROOT",
    "outDir": "$ROOTFS/app/dist",
    "declaration": false,
    "typeRoots": ["$REPO/node_modules/@types"]
  },
  "include": ["$SRC_ROOT/src/**/*.ts"]
}
EOF
"$REPO/node_modules/.bin/tsc" -p "$STAGE/tsconfig.json"
cp -r "$SRC_ROOT/proto" "$ROOTFS/app/proto"
cp "$REPO/package.json" "$REPO/package-lock.json" "$ROOTFS/app/"

# --- 3. Production node_modules, cached per package-lock -------------------------------------
# A copy of the repo's node_modules pruned of dev dependencies: offline and under a second.
# (`npm ci --omit=dev` would be cleaner but refuses this lock file: it lacks the entries of some
# optional platform packages, so npm calls it out of sync.)
LOCK_HASH=$(cat "$REPO/package.json" "$REPO/package-lock.json" | sha256sum | cut -c1-16)
MODULES=$CACHE/modules-$LOCK_HASH
if [ ! -d "$MODULES/node_modules" ]; then
  log "pruning a copy of node_modules to production dependencies into $MODULES"
  rm -rf "$MODULES.tmp" && mkdir -p "$MODULES.tmp"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$MODULES.tmp/"
  cp -r "$REPO/node_modules" "$MODULES.tmp/node_modules"
  # --ignore-scripts: native modules (classic-level, msgpackr-extract) ship linux-x64 prebuilds
  # that node-gyp-build finds at run time; nothing needs compiling.
  (cd "$MODULES.tmp" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  find "$MODULES.tmp/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
  rm -rf "$MODULES" && mv "$MODULES.tmp" "$MODULES"
  # Older caches are for lock files that no longer exist here.
  find "$CACHE" -mindepth 1 -maxdepth 1 -name 'modules-*' ! -name "modules-$LOCK_HASH" -exec rm -rf {} +
fi
cp -r "$MODULES/node_modules" "$ROOTFS/app/node_modules"

# --- 4. node, the libraries it and the native addons link, the dynamic loader ------------------
# Copies each shared library a binary needs (per ldd), keeping its path, symlinks resolved.
copy_libs() {
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    if [ -e "$lib" ] && [ ! -e "$ROOTFS$lib" ]; then cp -L --parents "$lib" "$ROOTFS"; fi
  done
}
cp "$NODE_BIN" "$ROOTFS/usr/bin/node"
copy_libs "$NODE_BIN"
while IFS= read -r -d '' addon; do copy_libs "$addon"; done \
  < <(find "$ROOTFS/app/node_modules" -name '*.node' -path '*linux-x64*' -print0)
# /lib64 and /lib must resolve like the host's merged /usr (the loader path is absolute).
[ -e "$ROOTFS/lib64/ld-linux-x86-64.so.2" ] || { log "dynamic loader not copied"; exit 1; }

# --- 5. busybox for /bin/sh and the usual tools (wget for health checks, ps, ip, ...) ----------
BUSYBOX=/bin/busybox
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
  log "installing busybox-static"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in $("$ROOTFS/bin/busybox" --list); do
  # Never shadow node, and leave applets that name directories alone.
  [ -e "$ROOTFS/bin/$applet" ] || ln -s busybox "$ROOTFS/bin/$applet"
done

# --- 6. Minimal /etc (docker bind-mounts hosts, hostname and resolv.conf) ---------------------
cat >"$ROOTFS/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
raftdb:x:$APP_UID:$APP_UID:raftdb:/data:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOTFS/etc/group" <<EOF
root:x:0:
raftdb:x:$APP_UID:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$ROOTFS/etc/nsswitch.conf"
chmod 1777 "$ROOTFS/tmp"
# Named volumes mounted on /data (and /certs, where compose's certs service writes) copy this
# owner on first use, so the node can write there.
chown -R "$APP_UID:$APP_UID" "$ROOTFS/data" "$ROOTFS/certs"

# --- 7. Import --------------------------------------------------------------------------------
log "importing $IMAGE (inputs $HASH)"
tar -C "$ROOTFS" --numeric-owner -c . | docker import \
  --change 'ENTRYPOINT ["/usr/bin/node","/app/dist/src/cli/main.js"]' \
  --change 'CMD ["serve"]' \
  --change 'WORKDIR /app' \
  --change "USER $APP_UID:$APP_UID" \
  --change 'ENV PATH=/usr/bin:/bin NODE_ENV=production RAFTDB_LISTEN=0.0.0.0:7001 RAFTDB_HTTP=0.0.0.0:9101 RAFTDB_DATA_DIR=/data' \
  --change 'EXPOSE 7001 9101' \
  --change "LABEL raftdb.inputs=$HASH" \
  - "$IMAGE" >/dev/null
docker image inspect --format "build-image: built {{.RepoTags}} {{.Size}} bytes" "$IMAGE"
# The previous image of the same tag is left untagged: drop such dangling layers.
docker image prune -f --filter "dangling=true" >/dev/null 2>&1 || true
