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
    { label: vscode.l10n.t('This machine'), description: current === '' ? vscode.l10n.t('current') : undefined, detail: vscode.l10n.t("The engine's local default"), value: '' },
    ...connections.map((c) => ({
      label: c.name,
      description: [c.kind === 'podman' ? vscode.l10n.t('podman connection') : vscode.l10n.t('docker context'), c.name === current ? vscode.l10n.t('current') : undefined].filter(Boolean).join(' · '),
      detail: c.host ? vscode.l10n.t('{0} — containers run on {1}', c.uri, c.host) : c.uri,
      value: c.name,
    })),
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Select Engine Connection'),
    placeHolder: connections.length === 0 ? vscode.l10n.t('No podman connections or docker contexts found (podman system connection add …)') : vscode.l10n.t('Where should app containers run?'),
  });
  if (!choice) {
    return undefined;
  }
  await config.update('engineConnection', choice.value, vscode.ConfigurationTarget.Global);
  return choice.value;
}
