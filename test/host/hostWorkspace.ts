import * as vscode from 'vscode';

/** The workspace's configured pool, read from the real settings. */
export function configuredRange(): { start: number; end: number } {
  const config = vscode.workspace.getConfiguration('previewContainers');
  return { start: config.get<number>('portRange.start') ?? 32100, end: config.get<number>('portRange.end') ?? 32200 };
}
