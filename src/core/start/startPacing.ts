/**
 * How many starts are waiting for their apps at once, and how far apart their polls go.
 *
 * A waiting start polls its app (HTTP every 10 ms at first, its sockets every 250 ms). One start
 * alone should notice its app at once; twenty at once on a two-core machine spent seconds of CPU
 * (connection attempts, their errors, docker-proxy's relays) that the twenty apps' own boots were
 * waiting for (bench P3). So the polls of all waiting starts together cost about what one start's
 * do: each start's interval grows with the number waiting, up to a cap.
 */
export class StartPacing {
  private waiting = 0;

  /** Counts one start as waiting until the returned function is called (idempotent). */
  begin(): () => void {
    this.waiting++;
    let ended = false;
    return () => {
      if (!ended) {
        ended = true;
        this.waiting--;
      }
    };
  }

  /** Starts waiting right now (this one included). */
  get inFlight(): number {
    return this.waiting;
  }

  /** `base` for a lone start; `base × waiting` with more, never above `cap` (nor below `base`). */
  interval(base: number, cap: number): number {
    return Math.max(base, Math.min(base * this.waiting, cap));
  }
}

/**
 * Milliseconds to the next multiple of `interval` on the wall clock. Polls that land on shared
 * ticks can share their engine call (one inspect for every container looked at in that tick).
 */
export function untilNextTick(interval: number, now: number): number {
  return interval - (now % interval);
}
