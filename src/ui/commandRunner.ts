import * as vscode from 'vscode';
import { CancelledError, PreviewContainersError, type ErrorAction } from '../core/errors';
import type { Logger } from '../core/logger';
import { openSettings } from './configuration';

/** What the buttons of an error notification do, when the command offering them can do it. */
export type ErrorHandlers = Partial<Record<ErrorAction, (error: unknown) => Thenable<unknown> | void>>;

const LABELS: Record<ErrorAction, string> = {
  showLogs: 'Show Logs',
  openSettings: 'Open Settings',
  retry: 'Retry',
  releasePort: 'Show Port Allocations',
  installEngine: 'How to Install',
  useListenedPort: 'Use That Port',
};

/**
 * Runs a command body; a failure becomes one clear notification (with the actions that make sense)
 * and the command resolves to `undefined`. Rejecting would make the workbench add a modal "Command
 * resulted in an error" dialog on top; programmatic callers that need the error use the API that
 * `activate()` returns, which rejects with typed errors.
 */
export async function runCommand<T>(logger: Logger, body: () => Promise<T>, handlers: ErrorHandlers = {}): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    void showError(logger, error, handlers);
    return undefined;
  }
}

export async function showError(logger: Logger, error: unknown, handlers: ErrorHandlers = {}): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CancelledError) {
    logger.info(message);
    return;
  }
  logger.error(message);
  const actions: ErrorAction[] = error instanceof PreviewContainersError ? [...error.actions] : [];
  const builtIn: ErrorHandlers = {
    openSettings: () => openSettings(error instanceof PreviewContainersError ? error.setting : undefined),
    releasePort: () => vscode.commands.executeCommand('previewContainers.showPortAllocations'),
    installEngine: () => vscode.env.openExternal(vscode.Uri.parse('https://podman.io/docs/installation')),
  };
  const available = actions.filter((a) => handlers[a] ?? builtIn[a]);
  // Notifications show one line: the first line is the cause and the next step; logs follow.
  const [headline] = message.split('\n');
  const choice = await vscode.window.showErrorMessage(headline ?? message, ...available.map((a) => LABELS[a]));
  const chosen = available.find((a) => LABELS[a] === choice);
  if (chosen) {
    await (handlers[chosen] ?? builtIn[chosen])?.(error);
  }
}
