import { detectEngine } from '../src/core/engine/detectEngine';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../src/core/engine/exec';
import { TEST_IMAGE } from '../test/engine/helpers';
import { TestDockerd } from '../test/harness/dockerd';
import { RecordingLogger } from '../test/unit/helpers';
import { engineVersion, Janitor } from './podman';

/** The docker side of the bench: the tests' own dockerd (never a user's), its engine and janitor. */
export interface BenchDockerd {
  readonly engine: ContainerEngine;
  readonly janitor: Janitor;
  readonly version: string;
  /** Removes what the bench left in it, then stops the daemon by its pid. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the tests' dockerd (test/harness/dockerd.ts: own data-root, socket and pidfile; the test
 * image loaded from podman) and points DOCKER_HOST at it for this process and its children.
 */
export async function startBenchDockerd(log: (line: string) => void): Promise<BenchDockerd> {
  const daemon = await TestDockerd.start();
  let stopping: Promise<void> | undefined;
  const stopDaemon = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        const left = await daemon.removeLeftovers();
        if (left.length > 0) {
          log(`docker: removed ${left.length} thing(s) the bench left: ${left.join(', ')}`);
        }
      } finally {
        await daemon.stop();
        log(`docker: bench dockerd ${daemon.pid} stopped`);
      }
    })());
  try {
    process.env.DOCKER_HOST = daemon.host;
    delete process.env.DOCKER_CONTEXT;
    const engine = await detectEngine({ choice: 'docker', enginePath: undefined, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
    if (!(await engine.imageExists(TEST_IMAGE))) {
      throw new Error(`the test image ${TEST_IMAGE} is missing in the bench dockerd (run: npm run setup)`);
    }
    const janitor = new Janitor(engine);
    const version = await engineVersion('docker');
    log(`docker: bench dockerd ${daemon.pid} answers on ${daemon.host}; ${version}`);
    return {
      engine,
      janitor,
      version,
      stop: async () => {
        await janitor.cleanUp();
        await stopDaemon();
      },
    };
  } catch (error) {
    await stopDaemon();
    throw error;
  }
}
