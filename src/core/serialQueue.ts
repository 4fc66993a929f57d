/** Runs async tasks one after another: the in-process half of "no two callers pick the same port". */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // Keep the chain alive whatever the task does; callers see its own outcome.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** One SerialQueue per key, dropped when idle. */
export class KeyedSerialQueue {
  private readonly queues = new Map<string, { queue: SerialQueue; pending: number }>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let entry = this.queues.get(key);
    if (!entry) {
      entry = { queue: new SerialQueue(), pending: 0 };
      this.queues.set(key, entry);
    }
    const current = entry;
    current.pending++;
    return current.queue.run(task).finally(() => {
      current.pending--;
      if (current.pending === 0 && this.queues.get(key) === current) {
        this.queues.delete(key);
      }
    });
  }
}
