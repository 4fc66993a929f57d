import * as vscode from 'vscode';
import { PreviewContainersError } from '../core/errors';
import type { Logger } from '../core/logger';
import { openSettings } from './configuration';

/**
 * Runs a command body; a failure becomes one clear notification (with the actions that make sense)
 * and a rejected promise for programmatic callers.
 */
export async function runCommand<T>(logger: Logger, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    void showError(logger, error);
    throw error;
  }
}

export async function showError(logger: Logger, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  logger.error(message);
  const buttons: string[] = [];
  if (error instanceof PreviewContainersError && error.actions.includes('openSettings')) {
    buttons.push('Open Settings');
  }
  const choice = await vscode.window.showErrorMessage(message, ...buttons);
  if (choice === 'Open Settings') {
    await openSettings(error instanceof PreviewContainersError ? error.setting : undefined);
  }
}
