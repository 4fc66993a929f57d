import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { MementoLike } from '../../src/core/memento';

/** One `update` as the shared store records it. `value` absent means the key was deleted. */
interface StoredWrite {
  readonly at: number;
  readonly writer: string;
  readonly seq: number;
  readonly key: string;
  readonly value?: unknown;
}

export interface Lag {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The lag VS Code windows see between each other's globalState writes, in these tests. */
export const WINDOW_LAG: Lag = { minMs: 200, maxMs: 500 };

/**
 * globalState as separate VS Code windows share it: one store, eventually consistent. Each
 * instance is one window with its own cached view; its own writes show at once, another window's
 * write only after a lag (between `lag.minMs` and `lag.maxMs`, fixed per write and reader, so
 * writes can even arrive out of order). Last writer wins, by write time.
 *
 * Backed by an append-only file (one JSON line per write, appended with one `write` call), read
 * incrementally; a line still being written is left for the next read.
 */
export class LaggedFileMemento implements MementoLike {
  private readonly view = new Map<string, StoredWrite>();
  private readonly pending: { write: StoredWrite; visibleAt: number }[] = [];
  private readonly fd: number;
  private offset = 0;
  private remainder = Buffer.alloc(0);
  private seq = 0;

  constructor(
    file: string,
    readonly writer: string,
    private readonly lag: Lag = WINDOW_LAG,
    private readonly clock: () => number = Date.now,
  ) {
    this.fd = fs.openSync(file, 'a+');
  }

  get<T>(key: string): T | undefined {
    this.sync();
    const write = this.view.get(key);
    return write?.value === undefined ? undefined : (structuredClone(write.value) as T);
  }

  update(key: string, value: unknown): Promise<void> {
    // Stored values are JSON, as in VS Code: no shared references, no undefined inside.
    const json = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
    const write: StoredWrite = { at: this.clock(), writer: this.writer, seq: ++this.seq, key, ...(json === undefined ? {} : { value: json }) };
    this.sync();
    this.apply(write);
    fs.appendFileSync(this.fd, `${JSON.stringify(write)}\n`);
    return Promise.resolve();
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** Reads what other windows appended since the last call and lets through what is due. */
  private sync(): void {
    const size = fs.fstatSync(this.fd).size;
    if (size > this.offset) {
      const chunk = Buffer.alloc(size - this.offset);
      const read = fs.readSync(this.fd, chunk, 0, chunk.length, this.offset);
      this.offset += read;
      const bytes = Buffer.concat([this.remainder, chunk.subarray(0, read)]);
      const end = bytes.lastIndexOf(0x0a);
      this.remainder = end < 0 ? bytes : bytes.subarray(end + 1);
      if (end >= 0) {
        for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
          const write = JSON.parse(line) as StoredWrite;
          if (write.writer !== this.writer) {
            this.pending.push({ write, visibleAt: write.at + this.lagFor(write) });
          }
        }
      }
    }
    const now = this.clock();
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const entry = this.pending[i];
      if (entry.visibleAt <= now) {
        this.pending.splice(i, 1);
        this.apply(entry.write);
      }
    }
  }

  private apply(write: StoredWrite): void {
    const current = this.view.get(write.key);
    if (!current || write.at > current.at || (write.at === current.at && write.writer > current.writer)) {
      this.view.set(write.key, write);
    }
  }

  private lagFor(write: StoredWrite): number {
    const span = this.lag.maxMs - this.lag.minMs;
    if (span <= 0) {
      return this.lag.minMs;
    }
    const hash = createHash('sha256').update(`${this.writer}|${write.writer}|${write.seq}`).digest().readUInt32BE(0);
    return this.lag.minMs + (hash % (span + 1));
  }
}
