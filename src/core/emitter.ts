/** A minimal event emitter with the shape of vscode.Event, usable without vscode. */
export interface DisposableLike {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;
export type EventLike<T> = (listener: Listener<T>) => DisposableLike;

export class Emitter<T> implements DisposableLike {
  private readonly listeners = new Set<Listener<T>>();

  readonly event: EventLike<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // One faulty listener must not stop the others.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
