import * as vscode from 'vscode';
import type { AppRef } from '../core/appIdentity';
import { describeDuration } from './format';

/** Shortly before an idle stop: resolves true when the user chooses "Keep running". */
export async function askKeepRunning(app: AppRef, stopsInMs: number): Promise<boolean> {
  const keep = vscode.l10n.t('Keep running');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} has been idle and will be stopped in {1}.', app.name, describeDuration(stopsInMs)), keep);
  return choice === keep;
}
