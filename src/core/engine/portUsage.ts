import type { Clock } from '../logger';
import type { ContainerEngine } from './containerEngine';
import { isOurs, labelledPort, LABEL_PATH } from './labels';
import type { ContainerSummary } from './types';

/**
 * How the engine uses the host's ports, as the allocator needs to know it. Not part of the engine
 * interface: it is a view over `list`, cached for concurrent starts (CachedPortUsage).
 */

/** How the engine uses a port. */
export interface EnginePortUse {
  /** The app key when the container is ours (from its labels), `undefined` when foreign. */
  readonly ownerKey: string | undefined;
  /** A running container publishes it now (so a bind probe would fail even for its owner). */
  readonly publishing: boolean;
}

/**
 * Ports the container engine reports as taken: published by a running container, or labelled as
 * the sticky port of one of our (possibly stopped) containers.
 */
export interface EnginePortUsage {
  portsInUse(): Promise<ReadonlyMap<number, EnginePortUse>>;
}

/**
 * Ports the engine holds, from a container list: every port a running container publishes, and
 * the sticky port labelled on each of our stopped containers (another window's app keeps it).
 */
export function portUsageFrom(containers: readonly ContainerSummary[]): Map<number, EnginePortUse> {
  const usage = new Map<number, EnginePortUse>();
  for (const container of containers) {
    const ours = isOurs(container.labels);
    const ownerKey = ours ? container.labels[LABEL_PATH] : undefined;
    if (container.running) {
      for (const binding of container.ports) {
        usage.set(binding.hostPort, { ownerKey, publishing: true });
      }
    }
    const sticky = ours ? labelledPort(container.labels) : undefined;
    if (sticky !== undefined && !usage.has(sticky)) {
      usage.set(sticky, { ownerKey, publishing: false });
    }
  }
  return usage;
}

/** The port usage of every container the engine lists now. */
export async function portUsageOf(engine: ContainerEngine): Promise<Map<number, EnginePortUse>> {
  return portUsageFrom(await engine.list({ all: true, ours: false }));
}

/**
 * The engine's port usage for the allocator, reused for `ttlMs`: concurrent starts need not each
 * list every container. Safe because our own fresh allocations are in the lease table, which the
 * allocator checks first; the engine view only adds foreign and other-window containers.
 */
export class CachedPortUsage implements EnginePortUsage {
  private cached: { at: number; usage: Promise<ReadonlyMap<number, EnginePortUse>> } | undefined;

  constructor(
    private readonly engine: () => Promise<ContainerEngine>,
    private readonly clock: Clock,
    private readonly ttlMs = 1000,
  ) {}

  portsInUse(): Promise<ReadonlyMap<number, EnginePortUse>> {
    const now = this.clock();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const usage = this.engine().then(portUsageOf);
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

/** Asks the engine at most once per allocation, and only if a candidate needs it. */
export class LazyEngineView {
  private usage: Promise<ReadonlyMap<number, EnginePortUse>> | undefined;

  constructor(
    private readonly engine: EnginePortUsage | undefined,
    known: ReadonlyMap<number, EnginePortUse> | undefined,
  ) {
    this.usage = known ? Promise.resolve(known) : undefined;
  }

  async useOf(port: number): Promise<EnginePortUse | undefined> {
    if (!this.usage) {
      if (!this.engine) {
        return undefined;
      }
      this.usage = this.engine.portsInUse();
    }
    return (await this.usage).get(port);
  }
}
