import type { AppRef } from './appIdentity';
import { Emitter, type EventLike } from './emitter';

/** A build prints thousands of lines at most; the log keeps the last ones (the failing step's are there). */
const MAX_LINES = 2000;

export interface BuildLine {
  readonly app: AppRef;
  readonly line: string;
}

/**
 * The output of each app's latest image build (Dockerfile apps). A build runs before there is a
 * container, so its lines cannot come from `logs`: the app's log shows these first, live while
 * the build runs, and after a failed build (whose container never existed) they are what it shows.
 */
export class BuildLogs {
  private readonly lines = new Map<string, string[]>();
  private readonly appended = new Emitter<BuildLine>();
  readonly onDidAppend: EventLike<BuildLine> = this.appended.event;

  /** A new build of the app begins: its previous output is dropped. */
  begin(app: AppRef): void {
    this.lines.set(app.key, []);
  }

  append(app: AppRef, line: string): void {
    let lines = this.lines.get(app.key);
    if (!lines) {
      lines = [];
      this.lines.set(app.key, lines);
    }
    lines.push(line);
    if (lines.length > MAX_LINES) {
      lines.splice(0, lines.length - MAX_LINES);
    }
    this.appended.fire({ app, line });
  }

  /** The latest build's lines (empty: the app never built in this window). */
  of(app: AppRef): readonly string[] {
    return this.lines.get(app.key) ?? [];
  }

  dispose(): void {
    this.appended.dispose();
  }
}
