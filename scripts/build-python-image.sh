#!/usr/bin/env bash
# Builds the local Python base image `localhost/preview-python:test` for the Dockerfile-app tests
# (no registry is reachable, so nothing can be pulled; test Dockerfiles say `FROM` this image):
# Debian's python3.11 + the libraries ldd lists, its standard library without test/ and without
# the static libpython (config-3.11-*: only needed to build C extensions, 25 MB), and a static
# busybox for sh and friends. About 50 MB, a few seconds. Rebuilt only when missing or outdated.
set -euo pipefail

IMAGE="${PREVIEW_PYTHON_IMAGE:-localhost/preview-python:test}"
ENGINE="${PREVIEW_ENGINE:-podman}"
# Debian's own interpreter, not whatever `python3` is first on PATH (pyenv shims, venvs).
PYTHON_BIN="${PREVIEW_PYTHON_BIN:-/usr/bin/python3.11}"
[[ -x "$PYTHON_BIN" ]] || { echo "build-python-image: $PYTHON_BIN is missing (apt-get install python3.11)" >&2; exit 1; }
PYTHON_BIN="$(readlink -f "$PYTHON_BIN")"
PYTHON_VERSION="$("$PYTHON_BIN" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))')"
STDLIB="$("$PYTHON_BIN" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
# Bump when the image's contents change, so existing machines rebuild it.
RECIPE=1
STAMP="$PYTHON_VERSION/$RECIPE"

PREVIOUS=""
if "$ENGINE" image exists "$IMAGE" 2>/dev/null; then
  PREVIOUS="$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  existing="$("$ENGINE" image inspect --format '{{ index .Config.Labels "preview.stamp" }}' "$IMAGE" 2>/dev/null || true)"
  if [[ "$existing" == "$STAMP" ]]; then
    exit 0
  fi
fi

BUSYBOX="$(command -v busybox)" || { echo "build-python-image: busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,usr/bin,tmp,etc,root,srv,lib64,lib}
chmod 1777 "$ROOT/tmp"

cp "$PYTHON_BIN" "$ROOT/usr/bin/python3.11"
ln -s python3.11 "$ROOT/usr/bin/python3"
ln -s python3.11 "$ROOT/usr/bin/python"
# Copy each shared library at the path the loader looks for it: the interpreter's, and those of
# its extension modules (ssl, hashlib, sqlite3, ctypes…: an image where `import ssl` fails is a
# trap for whoever writes a test app; about 12 MB more).
for elf in "$PYTHON_BIN" "$STDLIB"/lib-dynload/*.so; do
  ldd "$elf" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}'
done | sort -u | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done

# The interpreter finds its standard library relative to its own path (/usr/bin → /usr/lib/python3.11).
mkdir -p "$ROOT$(dirname "$STDLIB")"
tar -C "$(dirname "$STDLIB")" -c \
  --exclude "$(basename "$STDLIB")/test" \
  --exclude "$(basename "$STDLIB")/config-*" \
  "$(basename "$STDLIB")" | tar -C "$ROOT$(dirname "$STDLIB")" -x

cp "$BUSYBOX" "$ROOT/bin/busybox"
for tool in sh ash env cat ls echo sleep mkdir rm cp mv sed grep wget ps kill id true false test printf head tail wc tr date; do
  ln -s busybox "$ROOT/bin/$tool"
done
ln -s /bin/env "$ROOT/usr/bin/env"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOT/etc/group"
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"

# No EXPOSE and no WORKDIR of its own: the apps' Dockerfiles say those (what the tests check).
tar -C "$ROOT" -c . | "$ENGINE" import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV HOME=/root' \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
  --change 'ENV PYTHONUNBUFFERED=1' \
  --change "LABEL preview.python=$PYTHON_VERSION" \
  --change "LABEL preview.stamp=$STAMP" \
  --change 'CMD ["python3"]' \
  - "$IMAGE" >/dev/null
# The outdated image lost its tag: remove it (by id; refused, and kept, while a container uses it).
if [[ -n "$PREVIOUS" ]]; then
  "$ENGINE" rmi "$PREVIOUS" >/dev/null 2>&1 || true
fi
echo "built $IMAGE (python $PYTHON_VERSION)" >&2
