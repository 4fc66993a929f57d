#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last one that accepts Node 20) into a cache
# folder, using only the npm registry and OS packages. Idempotent: does nothing when the install is
# already complete. Prints the path of the server entry on success.
#
# Why the dance: a plain `npm install code-server` runs postinstall scripts that download prebuilt
# binaries from GitHub (argon2, @vscode/ripgrep), which this network cannot reach; we build native
# modules from source against the local Node headers instead and borrow the OS ripgrep.
set -euo pipefail

VERSION="4.100.3"
CACHE_ROOT="${PREVIEW_CONTAINERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preview-containers}"
DEST="$CACHE_ROOT/code-server-$VERSION"
MARKER="$DEST/.install-complete"
ENTRY="$DEST/node_modules/code-server/out/node/entry.js"

if [[ -f "$MARKER" && -f "$ENTRY" ]]; then
  echo "$ENTRY"
  exit 0
fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-code-server: '$1' is missing. Run: sudo apt-get install -y $2" >&2; exit 1; }; }
need rg ripgrep
need make build-essential
need g++ build-essential
need python3 python3
need pkg-config pkg-config

log() { echo "[install-code-server] $*" >&2; }
START=$(date +%s)
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
echo '{"name":"code-server-cache","private":true}' > package.json

export npm_config_nodedir=/usr
export npm_config_build_from_source=true
export npm_config_yes=true
# npm 11 skips dependency install scripts unless allowed; here building them is the point.
export npm_config_dangerously_allow_all_scripts=true
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false

log "npm install code-server@$VERSION (no scripts)"
npm install --no-save --ignore-scripts --loglevel=error "code-server@$VERSION" >&2

log "building argon2 from source"
npm rebuild --loglevel=error argon2 >&2
node -e 'require(process.argv[1])' "$DEST/node_modules/argon2" || { log "argon2 did not build"; exit 1; }

VS="$DEST/node_modules/code-server/lib/vscode"
log "installing VS Code server dependencies (no scripts)"
(cd "$VS" && npm install --omit=dev --ignore-scripts --loglevel=error >&2)

log "using the OS ripgrep"
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"

log "rebuilding native modules from source"
(cd "$VS" && npm rebuild --loglevel=error >&2)

ln -sfn node_modules "$VS/node_modules.asar"
ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"

log "installing built-in extensions' dependencies"
(cd "$VS/extensions" && npm install --omit=dev --loglevel=error >&2)

touch "$MARKER"
log "done in $(( $(date +%s) - START ))s: $DEST"
echo "$ENTRY"
