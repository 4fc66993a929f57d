/**
 * A tiny extension that runs in any window, trusted or not (the trust test loads it as an
 * extension under development next to the installed .vsix). At each start of the window it tries to start an app
 * through `executeCommand` and the public API, the way another extension or a keybinding would, and writes what
 * happened to the file named by TRUST_PROBE_OUT. Self-contained: it is copied, with trustProbeProtocol.js,
 * next to a generated package.json (see trust.test.ts).
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { API_PREFIX, EXTENSION_ID, PROBE_ATTEMPTS_ENV, PROBE_OUT_ENV, type ProbeAttempt, type ProbeReport } from './trustProbeProtocol';

export async function activate(): Promise<void> {
  const out = process.env[PROBE_OUT_ENV];
  const attemptsFile = process.env[PROBE_ATTEMPTS_ENV];
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!out || !attemptsFile || !folder) {
    return;
  }
  const plan = JSON.parse(await fs.readFile(attemptsFile, 'utf8')) as [string, string][];
  const commandsBefore = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('previewContainers.'));
  const attempts: ProbeAttempt[] = [];
  for (const [command, app] of plan) {
    const target = vscode.Uri.joinPath(folder.uri, app);
    try {
      const result: unknown = command.startsWith(API_PREFIX) ? await callApi(command.slice(API_PREFIX.length), target.fsPath) : await vscode.commands.executeCommand(command, target);
      attempts.push({ command, argument: target.fsPath, outcome: 'resolved', result });
    } catch (error) {
      attempts.push({ command, argument: target.fsPath, outcome: 'rejected', error: error instanceof Error ? error.message : String(error) });
    }
  }
  const ours = vscode.extensions.getExtension(EXTENSION_ID);
  const report: ProbeReport = { isTrusted: vscode.workspace.isTrusted, extensionActive: ours?.isActive, commandsBefore, attempts };
  await fs.writeFile(out, JSON.stringify(report, null, 2));
}

/** The public API another extension gets from `activate()` (src/api.ts), by method name. */
async function callApi(method: string, app: string): Promise<unknown> {
  const extension = vscode.extensions.getExtension<Record<string, (app: string) => Promise<unknown>>>(EXTENSION_ID);
  if (!extension) {
    throw new Error(`${EXTENSION_ID} is not available in this window`);
  }
  const api = await extension.activate();
  const call = api[method];
  if (typeof call !== 'function') {
    throw new Error(`the API has no ${method}`);
  }
  return call(app);
}

export function deactivate(): void {
  // Nothing to release.
}
