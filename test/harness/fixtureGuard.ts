/**
 * Mocha 11 drops a rejected global teardown without a word: the rejection lands in the runner's
 * unhandled-rejection trap after the run ended, the exit code is never set and the process exits 0,
 * even after failed tests (seen in CI: "36 passing, 1 failing", exit 0). A teardown wrapped here
 * prints its error and ends the process with 1 instead.
 */
export function failRunOnThrow(teardown: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await teardown();
    } catch (error) {
      console.error(`      [teardown] failed: ${error instanceof Error ? error.message : String(error)}`);
      // process.exitCode alone is not enough: mocha's own exit handler would overwrite it.
      process.exit(1);
    }
  };
}
