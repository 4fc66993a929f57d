import * as vscode from 'vscode';
import type { ContainerEngine } from '../core/engine/containerEngine';
import type { EngineProvider } from '../core/engine/engineProvider';
import { EngineNotFoundError, EngineNotRespondingError } from '../core/errors';
import { contextKeys } from './contextKeys';

export type EngineState = 'unknown' | 'ready' | 'missing' | 'notResponding';

/**
 * Whether a container engine answers, as a context key for the welcome views
 * (`previewContainers.engineState`) and an event for the tree and status bar.
 */
export class EngineStatus implements vscode.Disposable {
  private stateValue: EngineState = 'unknown';
  private messageValue = '';
  private readonly changed = new vscode.EventEmitter<EngineState>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly engines: EngineProvider) {}

  get state(): EngineState {
    return this.stateValue;
  }

  get message(): string {
    return this.messageValue;
  }

  /** Detects (or re-detects after `invalidate`) and records the outcome; never throws. */
  async check(): Promise<ContainerEngine | undefined> {
    try {
      const engine = await this.engines.get();
      this.set('ready', `${engine.kind} (${engine.binary})`);
      return engine;
    } catch (error) {
      this.record(error);
      return undefined;
    }
  }

  /** Records what an operation learnt about the engine (e.g. it stopped answering). */
  record(error: unknown): void {
    if (error instanceof EngineNotFoundError) {
      this.engines.invalidate();
      this.set('missing', error.message);
    } else if (error instanceof EngineNotRespondingError) {
      this.engines.invalidate();
      this.set('notResponding', error.message);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }

  private set(state: EngineState, message: string): void {
    const changed = state !== this.stateValue || message !== this.messageValue;
    this.stateValue = state;
    this.messageValue = message;
    contextKeys.engineState(state);
    if (changed) {
      this.changed.fire(state);
    }
  }
}
