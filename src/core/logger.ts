/** What core code needs from a log; the UI backs it with a LogOutputChannel. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Milliseconds since the epoch; injected so tests control time. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
