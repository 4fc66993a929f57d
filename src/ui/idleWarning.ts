import * as vscode from 'vscode';
import type { AppRef } from '../core/appIdentity';
import { describeDuration } from './format';

/** Shortly before an idle stop: resolves true when the user chooses "Keep running". */
export async function askKeepRunning(app: AppRef, stopsInMs: number): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(`${app.name} has been idle and will be stopped in ${describeDuration(stopsInMs)}.`, 'Keep running');
  return choice === 'Keep running';
}
