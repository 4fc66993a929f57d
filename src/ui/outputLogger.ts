import * as vscode from 'vscode';
import type { Logger } from '../core/logger';

/** The "Preview Containers" output channel, as the core's Logger. */
export function createOutputLogger(): { channel: vscode.LogOutputChannel; logger: Logger } {
  const channel = vscode.window.createOutputChannel('Preview Containers', { log: true });
  const logger: Logger = {
    debug: (message) => channel.debug(message),
    info: (message) => channel.info(message),
    warn: (message) => channel.warn(message),
    error: (message) => channel.error(message),
  };
  return { channel, logger };
}
