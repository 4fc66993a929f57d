/**
 * Keeps the last `limit` characters of what a child printed: enough to explain how it ended
 * (the last lines), bounded however long it runs (an event stream lives for days).
 */
export class TailBuffer {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limit = 64 * 1024) {}

  push(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    if (this.length > 2 * this.limit) {
      const joined = this.chunks.join('').slice(-this.limit);
      this.chunks = [joined];
      this.length = joined.length;
    }
  }

  text(): string {
    return this.chunks.join('').slice(-this.limit);
  }
}
