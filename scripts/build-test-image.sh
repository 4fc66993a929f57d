#!/usr/bin/env bash
# Builds the local test image `localhost/preview-node:test` from this host's own node and npm
# (no registry is reachable, so nothing can be pulled): node + the libraries ldd lists, npm,
# corepack, and a static busybox for sh/env and friends. About 100 MB, a few seconds.
# Rebuilt only when missing or when the host's node version changed.
set -euo pipefail

IMAGE="${PREVIEW_TEST_IMAGE:-localhost/preview-node:test}"
ENGINE="${PREVIEW_ENGINE:-podman}"
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_VERSION="$("$NODE_BIN" --version)"
# Bump when the image's contents change, so existing machines rebuild it.
RECIPE=3
STAMP="$NODE_VERSION/$RECIPE"

if "$ENGINE" image exists "$IMAGE" 2>/dev/null; then
  existing="$("$ENGINE" image inspect --format '{{ index .Config.Labels "preview.stamp" }}' "$IMAGE" 2>/dev/null || true)"
  if [[ "$existing" == "$STAMP" ]]; then
    exit 0
  fi
fi

NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
COREPACK_DIR="$(dirname "$NPM_DIR")/corepack"
BUSYBOX="$(command -v busybox)" || { echo "build-test-image: busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,usr/bin,usr/local/bin,usr/local/lib/node_modules,tmp,etc,app,root,lib64,lib}
chmod 1777 "$ROOT/tmp"

cp "$NODE_BIN" "$ROOT/usr/local/bin/node"
# Copy each shared library at the path the loader looks for it.
ldd "$NODE_BIN" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done

# The rest of the core C library, for prebuilt native modules in apps (rollup, esbuild, lightningcss).
LIBDIR="$(dirname "$(ldd "$NODE_BIN" | awk '/libc.so.6/{print $3}')")"
for lib in librt.so.1 libresolv.so.2 libutil.so.1 libnss_files.so.2 libnss_dns.so.2 libanl.so.1; do
  if [[ -e "$LIBDIR/$lib" ]]; then
    mkdir -p "$ROOT$LIBDIR"
    cp -L "$LIBDIR/$lib" "$ROOT$LIBDIR/$lib"
  fi
done

cp -a "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
if [[ -d "$COREPACK_DIR" ]]; then
  cp -a "$COREPACK_DIR" "$ROOT/usr/local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$ROOT/usr/local/bin/corepack"
fi

cp "$BUSYBOX" "$ROOT/bin/busybox"
for tool in sh ash env cat ls echo sleep mkdir rm cp mv sed grep wget ps kill id true false test printf head tail wc tr date; do
  ln -s busybox "$ROOT/bin/$tool"
done
ln -s /bin/env "$ROOT/usr/bin/env"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$ROOT/etc/group"
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
# The host's CA bundle: where TLS goes through an inspecting proxy, the registry is reachable from
# containers only with it (npm install inside a container needs the registry).
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  mkdir -p "$ROOT/etc/ssl/certs" "$ROOT/usr/local/etc"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nupdate-notifier=false\nfund=false\naudit=false\n' > "$ROOT/usr/local/etc/npmrc"
fi
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"

tar -C "$ROOT" -c . | "$ENGINE" import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV HOME=/root' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'WORKDIR /app' \
  --change "LABEL preview.node=$NODE_VERSION" \
  --change "LABEL preview.stamp=$STAMP" \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE (node $NODE_VERSION)" >&2
