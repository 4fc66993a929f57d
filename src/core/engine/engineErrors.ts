import type { BuildFailure } from './buildOutput';
import type { EngineFailureKind } from './engineFailure';

/**
 * What the engine adapter throws below the user-facing errors (src/core/errors.ts), which the
 * start path turns these into.
 */

/** Why `run` failed, classified, with the engine's own words. */
export class EngineRunError extends Error {
  constructor(
    readonly kind: EngineFailureKind,
    readonly stderr: string,
    readonly port: number | undefined,
  ) {
    super(stderr.trim() || `run failed (${kind})`);
  }
}

/** Output the engine printed that does not have the shape we expect. */
export class EngineOutputError extends Error {
  constructor(what: string, detail: string) {
    super(`Could not read the container engine's ${what} output: ${detail}`);
  }
}

/** A run spec that cannot be passed to an engine safely (refused before anything runs). */
export class RunSpecError extends Error {}

/** Why `build` failed, read from its output (which step, what it printed). */
export class EngineBuildError extends Error {
  constructor(
    readonly failure: BuildFailure,
    /** Everything the build printed (colour codes removed). */
    readonly output: readonly string[],
    readonly exitCode: number | undefined,
  ) {
    super(failure.detail);
  }
}

/** A build spec that cannot be passed to an engine safely (refused before anything runs). */
export class BuildSpecError extends Error {}
