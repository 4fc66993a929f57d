import * as vscode from 'vscode';
import { listConnections } from '../core/engine/connections';
import type { Exec } from '../core/engine/exec';
import { SECTION } from './configuration';

/**
 * "Select Engine Connection": the engine's own podman connections and docker contexts, plus "this
 * machine". The choice goes into `previewContainers.engineConnection` (user settings).
 */
export async function pickEngineConnection(exec: Exec): Promise<string | undefined> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const current = config.get<string>('engineConnection') ?? '';
  const connections = await listConnections(exec, { podman: 'podman', docker: 'docker' });
  const items: (vscode.QuickPickItem & { value: string })[] = [
    { label: 'This machine', description: current === '' ? 'current' : undefined, detail: "The engine's local default", value: '' },
    ...connections.map((c) => ({
      label: c.name,
      description: [c.kind === 'podman' ? 'podman connection' : 'docker context', c.name === current ? 'current' : undefined].filter(Boolean).join(' · '),
      detail: `${c.uri}${c.host ? ` — containers run on ${c.host}` : ''}`,
      value: c.name,
    })),
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Select Engine Connection',
    placeHolder: connections.length === 0 ? 'No podman connections or docker contexts found (podman system connection add …)' : 'Where should app containers run?',
  });
  if (!choice) {
    return undefined;
  }
  await config.update('engineConnection', choice.value, vscode.ConfigurationTarget.Global);
  return choice.value;
}
