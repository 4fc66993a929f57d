import * as vscode from 'vscode';
import type { AppRef } from '../core/appIdentity';
import type { ContainerEngine } from '../core/engine/containerEngine';
import type { EngineProvider } from '../core/engine/engineProvider';
import { isOurs, LABEL_PATH } from '../core/engine/labels';
import type { Logger } from '../core/logger';

/** What an engine is, for people: `podman (/usr/bin/podman, connection "x")`. */
export function describeEngine(engine: ContainerEngine): string {
  return `${engine.kind} (${engine.binary}${engine.host ? `, on ${engine.host}` : ''})`;
}

/**
 * The engine setting changed while apps of this window run under the previous engine: they are
 * not lost — the user is told which, and they are stopped there on request (their leases stay, so
 * they get the same ports under the new engine once those are free).
 */
export async function engineChanged(engines: EngineProvider, apps: () => readonly AppRef[], logger: Logger): Promise<void> {
  const previous = engines.current;
  engines.invalidate();
  if (!previous) {
    return;
  }
  const next = await engines.get().catch(() => undefined);
  if (next && next.kind === previous.kind && next.binary === previous.binary && next.host === previous.host) {
    return;
  }
  const keys = new Set(apps().map((a) => a.key));
  const left = (await previous.list({ all: false, ours: true }).catch(() => [])).filter((c) => c.running && isOurs(c.labels) && keys.has(c.labels[LABEL_PATH] ?? ''));
  if (left.length === 0) {
    return;
  }
  const names = left.map((c) => c.labels['previewContainers.app'] ?? c.name).join(', ');
  logger.info(`The engine is now ${next ? describeEngine(next) : 'unavailable'}; still running under ${describeEngine(previous)}: ${names}.`);
  const choice = await vscode.window.showWarningMessage(
    `${left.length} app(s) still run under ${describeEngine(previous)} (${names}), which is no longer the engine in use. Stop them there? They keep their ports.`,
    'Stop Them',
    'Keep Running',
  );
  if (choice === 'Stop Them') {
    for (const container of left) {
      await previous.stop(container.id).catch((error: unknown) => logger.warn(`Could not stop ${container.name} under ${previous.kind}: ${String(error)}`));
    }
  }
}
