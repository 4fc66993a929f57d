/**
 * Running one real-app bench file alone (`node out/bench/<file>.js`, BENCH_REPS=n) instead of
 * inside `npm run bench`: the same engine, image check and clean-up, one table printed.
 */
import { detectEngine } from '../src/core/engine/detectEngine';
import type { ContainerEngine } from '../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../src/core/engine/exec';
import { TEST_IMAGE } from '../test/engine/helpers';
import { RecordingLogger } from '../test/unit/helpers';
import type { Figures } from './engineBench';
import { Janitor } from './podman';
import { renderTable } from './report';

export type RealAppBench = (engine: ContainerEngine, janitor: Janitor, reps: number, log: (line: string) => void) => Promise<Figures>;

async function runAlone(bench: RealAppBench, defaultReps: number): Promise<void> {
  const engine = await detectEngine({ choice: 'podman', enginePath: undefined, exec: execaExec, stream: execaStream, logger: new RecordingLogger() });
  if (!(await engine.imageExists(TEST_IMAGE))) {
    throw new Error(`the test image ${TEST_IMAGE} is missing (run: npm run setup)`);
  }
  const janitor = new Janitor(engine);
  try {
    const { rows, details } = await bench(engine, janitor, Number(process.env.BENCH_REPS ?? defaultReps), (line) => process.stderr.write(`[bench] ${line}\n`));
    process.stdout.write(`${renderTable(rows)}\n\n${details.map((d) => `- ${d}`).join('\n')}\n`);
  } finally {
    await janitor.cleanUp();
  }
}

/** Runs `bench` alone, exiting non-zero with the error's stack on failure. */
export function runStandalone(bench: RealAppBench, defaultReps: number): void {
  runAlone(bench, defaultReps).catch((error: unknown) => {
    process.stderr.write(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
