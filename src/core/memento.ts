import type * as vscode from 'vscode';

/** The part of `vscode.Memento` (globalState) that the core uses. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

// Compile-time proof that the real Memento fits.
export type MementoCheck = vscode.Memento extends MementoLike ? true : never;

/** An in-memory Memento, for tests and for hosts without storage. */
export class InMemoryMemento implements MementoLike {
  private readonly values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    const value = this.values.get(key);
    // Mirror VS Code: stored values are JSON, so callers never share references with the store.
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
  }

  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) {
      this.values.delete(key);
    } else {
      this.values.set(key, JSON.parse(JSON.stringify(value)));
    }
    return Promise.resolve();
  }
}
