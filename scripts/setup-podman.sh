#!/usr/bin/env bash
# Makes podman usable on this machine kind and builds the local test images (Node, Python).
# Podman's default runtime crun fails on hybrid cgroups here and its default ulimits are not
# permitted; when (and only when) a trial container fails for those reasons and no system-wide
# containers.conf exists, write one that uses runc and permitted ulimits.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup-podman] $*"; }

command -v podman >/dev/null || { echo "[setup-podman] podman is missing: apt-get install -y podman runc" >&2; exit 1; }
IMAGE="${PREVIEW_TEST_IMAGE:-localhost/preview-node:test}"
bash scripts/build-test-image.sh 2>/dev/null
# The Python base image of the Dockerfile-app tests (an import: needs no working runtime).
out="$(bash scripts/build-python-image.sh 2>&1)" || { echo "[setup-podman] $out" >&2; exit 1; }

trial() { podman run --rm --network none "$IMAGE" node -e 'process.exit(0)' 2>&1; }

if out="$(trial)"; then
  exit 0
fi
CONF=/etc/containers/containers.conf
if [[ "$out" == *"hybrid mode"* || "$out" == *"rlimit"* || "$out" == *"crun"* ]]; then
  if [[ -e "$CONF" ]]; then
    echo "[setup-podman] podman cannot run containers ($out). $CONF exists; add to it:" >&2
    printf '  [containers]\n  default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n  [engine]\n  runtime = "runc"\n' >&2
    exit 1
  fi
  log "configuring podman: runtime runc, permitted default ulimits ($CONF)"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n\n[engine]\nruntime = "runc"\n' | $SUDO tee "$CONF" >/dev/null
  out="$(trial)" || { echo "[setup-podman] podman still cannot run a container: $out" >&2; exit 1; }
  log "podman works"
else
  echo "[setup-podman] podman cannot run a container: $out" >&2
  exit 1
fi
