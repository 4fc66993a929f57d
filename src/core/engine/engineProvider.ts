import { UntrustedWorkspaceError } from '../errors';
import type { EnginePortUsage, EnginePortUse } from '../portAllocator';
import type { Clock } from '../logger';
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

/**
 * The engine's port usage for the allocator, reused for `ttlMs`: concurrent starts need not each
 * list every container. Safe because our own fresh allocations are in the lease table, which the
 * allocator checks first; the engine view only adds foreign and other-window containers.
 */
export class CachedPortUsage implements EnginePortUsage {
  private cached: { at: number; usage: Promise<ReadonlyMap<number, EnginePortUse>> } | undefined;

  constructor(
    private readonly engines: EngineProvider,
    private readonly clock: Clock,
    private readonly ttlMs = 1000,
  ) {}

  portsInUse(): Promise<ReadonlyMap<number, EnginePortUse>> {
    const now = this.clock();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const usage = this.engines.get().then((engine) => engine.portsInUse());
      this.cached = { at: now, usage };
      usage.catch(() => {
        if (this.cached?.usage === usage) {
          this.cached = undefined;
        }
      });
    }
    return this.cached.usage;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
