import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file is compiled to out/test/harness/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const PACKAGED_VSIX = path.join(REPO_ROOT, 'preview-containers.vsix');
export const EXTENSION_ID = 'preview-containers.preview-containers';

/** The cache folder of code-server and the test dockerd (same variables, same order as scripts/install-code-server.sh). */
export function cacheRoot(): string {
  return process.env['PREVIEW_CONTAINERS_CACHE'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'preview-containers');
}

/** Where scripts/install-code-server.sh installs code-server. */
export function codeServerDir(): string {
  return path.join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerEntry(): string {
  return path.join(codeServerDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function setupHint(): string {
  return process.env['CI']
    ? 'CI is set, so this is a failure, not a skip: .ci/run must run `npm run setup` first.'
    : 'Run `npm run setup` once (it installs Chromium and caches code-server), then try again.';
}

/**
 * Throws a clear error when code-server or Chromium is missing. Always a failure, never a skip:
 * a skipped harness would let `npm test` pass without testing the extension at all.
 */
export function requireCodeServer(): string {
  const entry = codeServerEntry();
  if (!fs.existsSync(path.join(codeServerDir(), '.install-complete')) || !fs.existsSync(entry)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed at ${codeServerDir()}. ${setupHint()}`);
  }
  return entry;
}

export function requireChromium(): string {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
  } catch {
    throw new Error(`Chromium is missing (${CHROMIUM_PATH}). ${setupHint()}`);
  }
  return CHROMIUM_PATH;
}

export function requirePackagedVsix(): string {
  if (!fs.existsSync(PACKAGED_VSIX)) {
    throw new Error(`${PACKAGED_VSIX} is missing: run \`npm run package\` (npm run test:ui does it first).`);
  }
  return PACKAGED_VSIX;
}

export async function makeTempDir(label: string): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), `preview-containers-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) {
    await fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
