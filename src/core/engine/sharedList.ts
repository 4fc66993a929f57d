import type { ContainerEngine } from './containerEngine';
import type { ContainerSummary } from './types';

/**
 * Starts asked for together (20 apps at once, previews restored after a reload) share one engine
 * list instead of one CLI process each. Freshness is unchanged: a caller only ever joins a list
 * that has not started yet, so what it sees was listed after it asked.
 */
export class SharedContainerLists {
  private readonly pending = new WeakMap<ContainerEngine, Promise<ContainerSummary[]>>();

  /** Every container (ours or not, running or not) of `engine`. */
  next(engine: ContainerEngine): Promise<ContainerSummary[]> {
    let list = this.pending.get(engine);
    if (!list) {
      list = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending.delete(engine);
        return engine.list({ all: true, ours: false });
      });
      this.pending.set(engine, list);
    }
    return list;
  }
}
