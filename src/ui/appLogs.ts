import * as vscode from 'vscode';
import type { AppController } from '../core/appController';
import type { AppRef } from '../core/appIdentity';
import type { ContainerEngine } from '../core/engine/containerEngine';

interface LogChannel {
  readonly channel: vscode.OutputChannel;
  follow: AbortController | undefined;
}

/**
 * "Show App Container Logs": one output channel per app, streaming `logs --follow`. A Dockerfile
 * app's image build comes first: its lines (kept by the controller, see core/buildLogs.ts) are
 * shown, and appended live while a build runs.
 */
export class AppLogs implements vscode.Disposable {
  private readonly channels = new Map<string, LogChannel>();
  private readonly buildLines: { dispose(): void };

  constructor(
    private readonly engine: () => Promise<ContainerEngine>,
    private readonly controller: AppController,
  ) {
    this.buildLines = controller.buildLogs.onDidAppend(({ app, line }) => this.channels.get(app.key)?.channel.appendLine(line));
  }

  async show(app: AppRef): Promise<void> {
    let entry = this.channels.get(app.key);
    if (!entry) {
      entry = { channel: vscode.window.createOutputChannel(`Preview Containers: ${app.appId}`), follow: undefined };
      this.channels.set(app.key, entry);
    }
    entry.channel.show(true);
    const state = this.controller.stateOf(app);
    const build = this.controller.buildLogs.of(app);
    if (state.status === 'failed' && state.error && state.containerId === undefined) {
      // The failed container was removed (or a build failed before there was one): what it printed is in the error.
      entry.channel.clear();
      build.forEach((line) => entry?.channel.appendLine(line));
      entry.channel.appendLine(state.error);
      return;
    }
    if (state.status === 'starting' && state.containerId === undefined) {
      // Building (or about to create the container): the build's lines so far, the rest as they come.
      entry.channel.clear();
      build.forEach((line) => entry?.channel.appendLine(line));
      return;
    }
    if (entry.follow) {
      return; // already streaming
    }
    const engine = await this.engine();
    const follow = new AbortController();
    entry.follow = follow;
    entry.channel.clear();
    const channel = entry.channel;
    build.forEach((line) => channel.appendLine(line));
    const current = entry;
    void engine
      .followLogs(state.containerName, (line) => channel.appendLine(line), follow.signal, 500)
      .finally(() => {
        if (current.follow === follow) {
          current.follow = undefined;
          if (!follow.signal.aborted) {
            channel.appendLine(`— ${app.appId}: log stream ended (container stopped) —`);
          }
        }
      });
  }

  dispose(): void {
    this.buildLines.dispose();
    for (const entry of this.channels.values()) {
      entry.follow?.abort();
      entry.channel.dispose();
    }
    this.channels.clear();
  }
}
