import type { ContainerDetails } from './types';

/** How long a lookup waits for others to join it (listener looks land on shared ticks). */
const JOIN_WINDOW_MS = 10;

/**
 * The first process of containers, for reading their sockets. Lookups asked for within a few
 * milliseconds share one `inspect` of all their containers: twenty starts looking at their apps
 * on the same tick cost one engine CLI process instead of twenty (bench P3).
 */
export class PidLookup {
  private batch: { readonly ids: Set<string>; readonly result: Promise<ContainerDetails[]> } | undefined;

  /** `inspectMany` returns the containers it found (missing ones are left out, not an error). */
  constructor(private readonly inspectMany: (ids: readonly string[]) => Promise<ContainerDetails[]>) {}

  async pidOf(idOrName: string): Promise<number | undefined> {
    const found = await this.join(idOrName);
    return found.find((c) => c.id === idOrName || c.name === idOrName || c.id.startsWith(idOrName))?.pid;
  }

  private join(idOrName: string): Promise<ContainerDetails[]> {
    if (!this.batch) {
      const ids = new Set<string>();
      const result = new Promise<void>((resolve) => setTimeout(resolve, JOIN_WINDOW_MS)).then(() => {
        this.batch = undefined;
        return this.inspectMany([...ids]).catch((): ContainerDetails[] => []);
      });
      this.batch = { ids, result };
    }
    this.batch.ids.add(idOrName);
    return this.batch.result;
  }
}
