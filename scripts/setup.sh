#!/usr/bin/env bash
# Sets up everything the product and its tests need on a fresh Debian/Ubuntu machine, idempotently:
# OS packages, npm packages, a working podman, the local test image and the cached code-server.
# docker.io brings dockerd for the Docker test variants; no daemon is started here (the tests start
# their own, see test/harness/dockerd.ts).
# Safe to re-run: each step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[setup] $*"; }

OS_PACKAGES=(podman runc docker.io catatonit busybox-static ripgrep chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config python3 make g++ iproute2 procps)

missing=()
for pkg in "${OS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "[setup] please install as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  log "installing OS packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/setup-podman.sh
bash scripts/install-code-server.sh >/dev/null
# The corpus of real project templates the corpus tests start (cached; fast when complete).
npm run --silent compile-tests
node out/scripts/fetchCorpus.js
log "ready"
