import * as vscode from 'vscode';
import type { AppController } from '../core/appController';
import type { AppRef } from '../core/appIdentity';
import type { ContainerEngine } from '../core/engine/containerEngine';
import { Disposable } from './dispose';
import { LogFollower } from './logFollower';

/**
 * "Show App Container Logs": one terminal per app, following its container's output through a
 * Pseudoterminal, so colours and `\r` progress lines render as the app printed them. The terminal's
 * own scrollback (`terminal.integrated.scrollback`) bounds what is kept; we keep nothing. A
 * Dockerfile app's image build comes first: its lines so far (kept by the controller, see
 * core/buildLogs.ts), then live while a build runs.
 */
export class AppLogs extends Disposable {
  private readonly terminals = new Map<string, vscode.Terminal>();

  constructor(
    private readonly engine: () => Promise<ContainerEngine>,
    private readonly controller: AppController,
  ) {
    super();
    this._register(
      vscode.window.onDidCloseTerminal((closed) => {
        for (const [key, terminal] of this.terminals) {
          if (terminal === closed) {
            this.terminals.delete(key);
          }
        }
      }),
    );
  }

  /** Opens (or reveals) the app's log terminal, without taking the focus from the editor. */
  show(app: AppRef): Promise<void> {
    let terminal = this.terminals.get(app.key);
    if (!terminal) {
      terminal = vscode.window.createTerminal({ name: `Logs: ${app.name}`, pty: this.pty(app), iconPath: new vscode.ThemeIcon('output'), isTransient: true });
      this.terminals.set(app.key, terminal);
    }
    terminal.show(true);
    return Promise.resolve();
  }

  override dispose(): void {
    for (const terminal of this.terminals.values()) {
      terminal.dispose();
    }
    this.terminals.clear();
    super.dispose();
  }

  private pty(app: AppRef): vscode.Pseudoterminal {
    const written = new vscode.EventEmitter<string>();
    let follower: LogFollower | undefined;
    let building: { dispose(): void } | undefined;
    return {
      onDidWrite: written.event,
      // Output written before open() would be dropped, so following starts here.
      open: () => {
        const lines = (text: string): string => `${text.replace(/\r?\n/g, '\r\n')}\r\n`;
        for (const line of this.controller.buildLogs.of(app)) {
          written.fire(lines(line));
        }
        building = this.controller.buildLogs.onDidAppend((built) => built.app.key === app.key && written.fire(lines(built.line)));
        follower = new LogFollower({
          engine: this.engine,
          state: () => this.controller.stateOf(app),
          onDidChangeState: (listener) => this.controller.onDidChangeState((state) => state.app.key === app.key && listener(state)),
          write: (text) => written.fire(text),
        });
        follower.start();
      },
      close: () => {
        building?.dispose();
        follower?.dispose();
        written.dispose();
      },
    };
  }
}
