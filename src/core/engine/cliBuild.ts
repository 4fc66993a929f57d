import { CancelledError, EngineNotFoundError, EngineNotRespondingError } from '../errors';
import type { Logger } from '../logger';
import { buildBuildArgv, type BuildSpec } from './buildArgv';
import { BuildOutput } from './buildOutput';
import type { BuildResult } from './containerEngine';
import { EngineBuildError } from './engineErrors';
import { classifyEngineFailure } from './engineFailure';
import type { ExecResult, ExecStream } from './exec';
import { engineProcessOf, killDescendants } from './processTree';
import type { EngineKind } from './types';

/** How long a cancelled podman build may take to fail its step and clean up before it is ended itself. */
/** What podman gets to clean up after its step was ended, before anything more is ended. */
const BUILD_CLEANUP_GRACE_MS = 3000;
const BUILD_STOP_GRACE_MS = 20_000;
const BUILD_STOP_POLL_MS = 100;

/** What `build` needs of the CLI engine (cliEngine.ts). */
export interface BuildCli {
  readonly kind: EngineKind;
  readonly binary: string;
  /** `--connection`/`--context` arguments: non-empty means a remote engine. */
  readonly globalArgs: readonly string[];
  readonly stream: ExecStream;
  readonly logger: Logger;
  readonly removeImage: (ref: string) => Promise<void>;
}

/**
 * `build`, streamed line by line. Throws EngineBuildError when it fails, CancelledError when
 * `signal` aborts — and then leaves nothing of the build behind: no tag, no working container,
 * no layer it committed.
 */
export async function runBuild(cli: BuildCli, spec: BuildSpec, onLine: (line: string) => void, signal: AbortSignal): Promise<BuildResult> {
  if (signal.aborted) {
    throw new CancelledError(`Building ${spec.tag}`);
  }
  const args = [...cli.globalArgs, ...buildBuildArgv(spec, cli.kind)];
  cli.logger.debug(`${cli.binary} ${args.join(' ')}`);
  const output = new BuildOutput(cli.kind);
  // Ends the engine CLI itself: at once for docker (the daemon then cancels the build and cleans
  // up), only as a last resort for a local podman (see stopBuild).
  const end = new AbortController();
  let pid: number | undefined;
  let finished = false;
  let stopping: Promise<void> | undefined;
  const onAbort = (): void => {
    stopping = stopBuild(cli, () => pid, () => finished, end);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let result: ExecResult;
  try {
    result = await cli.stream(
      cli.binary,
      args,
      (line) => {
        output.push(line);
        onLine(line);
      },
      { signal: end.signal, from: 'all', onSpawn: (started) => (pid = started) },
    );
  } finally {
    finished = true;
    signal.removeEventListener('abort', onAbort);
  }
  await stopping;
  if (signal.aborted) {
    // It may have finished (tagged) before the cancel took effect, or committed layers first.
    await undoBuild(cli, spec.tag, output.createdLayers());
    throw new CancelledError(`Building ${spec.tag}`);
  }
  if (result.spawnError === 'ENOENT') {
    throw new EngineNotFoundError([cli.binary]);
  }
  if (result.spawnError) {
    throw new EngineNotRespondingError(cli.kind, `could not run ${cli.binary}: ${result.spawnError}`);
  }
  if (result.exitCode !== 0) {
    const text = output.lines.join('\n');
    // Only before any step ran: a step's own output may well say "connection refused".
    if (output.current === undefined && classifyEngineFailure(text).kind === 'engineDown') {
      throw new EngineNotRespondingError(cli.kind, text);
    }
    throw new EngineBuildError(output.failure(), output.lines, result.exitCode);
  }
  return { createdLayers: output.createdLayers() };
}

/**
 * podman 4.3 leaves a build's working containers behind, mounted, when `podman build` is ended
 * (recorded: test/fixtures/podman-4.3/build-cancel-*). Ending what the current step runs (the
 * RUN's runtime and command, COPY's copier: children of the build process) fails the step
 * instead; podman then removes its containers itself and exits. Between steps there is nothing
 * to end yet, so keep at it until podman exits; end podman itself only after a grace period.
 */
async function stopBuild(cli: BuildCli, pid: () => number | undefined, finished: () => boolean, end: AbortController): Promise<void> {
  const started = pid();
  if (cli.kind !== 'podman' || cli.globalArgs.length > 0 || started === undefined) {
    end.abort(); // docker, or a remote podman: the engine's service cancels the build when its client goes
    return;
  }
  const deadline = Date.now() + BUILD_STOP_GRACE_MS;
  let quietUntil = 0;
  while (!finished() && Date.now() < deadline) {
    // The step's processes are below podman itself, which runs under the host-death watcher.
    // After a step was ended, podman cleans up (its network teardown runs as new children), which
    // must not be killed too, or the working containers stay: nothing is ended during that grace.
    if (Date.now() >= quietUntil) {
      const build = engineProcessOf(started, cli.binary);
      if (build !== undefined && killDescendants(build) > 0) {
        quietUntil = Date.now() + BUILD_CLEANUP_GRACE_MS;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, BUILD_STOP_POLL_MS));
  }
  if (!finished()) {
    cli.logger.warn(`podman build did not stop within ${BUILD_STOP_GRACE_MS / 1000} s of the cancel; ending it. It may leave working containers ("podman ps --external").`);
    end.abort();
  }
}

/** Removes what a cancelled build made: its tag, then the layers it committed (newest first). */
async function undoBuild(cli: BuildCli, tag: string, layers: readonly string[]): Promise<void> {
  for (const ref of [tag, ...[...layers].reverse()]) {
    await cli.removeImage(ref).catch((error: unknown) => cli.logger.warn(`Could not remove ${ref} after a cancelled build: ${String(error)}`));
  }
}
