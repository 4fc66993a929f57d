import type * as vscode from 'vscode';

/** The part of `vscode.Memento` (globalState) that the core uses. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

// Compile-time proof that the real Memento fits.
export type MementoCheck = vscode.Memento extends MementoLike ? true : never;

/**
 * An in-memory Memento, for tests and for hosts without storage. It behaves as VS Code's does
 * (extHostMemento.ts): `update` stores a JSON copy, `get` returns that stored value itself, so the
 * value read stays the same object until someone writes again.
 */
export class InMemoryMemento implements MementoLike {
  private readonly values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
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
