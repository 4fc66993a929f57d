import { UntrustedWorkspaceError } from '../errors';
import type { ContainerEngine } from './containerEngine';

/**
 * Detects the engine once and hands out the same instance; forgets it when settings change or
 * the engine stops answering, so the next call detects again (recovery without a reload).
 */
export class EngineProvider {
  private pending: Promise<ContainerEngine> | undefined;
  private resolved: ContainerEngine | undefined;

  /**
   * `allowed`: whether the engine may be touched at all. In an untrusted workspace nothing runs an
   * engine CLI (not even detection): every engine call of the extension goes through here.
   */
  constructor(
    private readonly detect: () => Promise<ContainerEngine>,
    private readonly allowed: () => boolean = () => true,
  ) {}

  get(): Promise<ContainerEngine> {
    if (!this.allowed()) {
      return Promise.reject(new UntrustedWorkspaceError());
    }
    if (!this.pending) {
      const attempt = this.detect();
      this.pending = attempt;
      attempt.then(
        (engine) => {
          if (this.pending === attempt) {
            this.resolved = engine;
          }
        },
        () => {
          if (this.pending === attempt) {
            this.pending = undefined;
          }
        },
      );
    }
    return this.pending;
  }

  /** The engine if one was detected already (no waiting). */
  get current(): ContainerEngine | undefined {
    return this.resolved;
  }

  invalidate(): void {
    this.pending = undefined;
    this.resolved = undefined;
  }
}
