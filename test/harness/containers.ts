import * as path from 'node:path';
import { execa } from 'execa';
import type { AppRef } from '../../src/core/appIdentity';
import { appVolumesFor } from '../../src/core/buildCache';
import { CliEngine } from '../../src/core/engine/cliEngine';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_PATH } from '../../src/core/engine/labels';
import type { ContainerSummary, EngineKind } from '../../src/core/engine/types';
import { silentLogger } from '../../src/core/logger';

/**
 * Finding and removing what tests started, for every layer (engine, host, UI, reliability, bench):
 * our containers whose app folder is a test's folder or inside it, by id. Nothing else is touched.
 */

/** Our containers (running or not) whose app folder is `folder` or lies inside it. */
export async function containersUnder(engine: ContainerEngine, folder: string): Promise<ContainerSummary[]> {
  return (await engine.list({ all: true, ours: true })).filter((c) => {
    const appFolder = c.labels[LABEL_PATH] ?? '';
    return appFolder === folder || appFolder.startsWith(folder + path.sep);
  });
}

/** The engine CLI a test drives: its kind and binary. */
export type EngineCli = Pick<ContainerEngine, 'kind' | 'binary'>;
const PODMAN: EngineCli = { kind: 'podman', binary: 'podman' };

/** Removes containers by id in one engine call (40 one by one would take most of a minute). */
export async function removeContainers(ids: readonly string[], engine: EngineCli = PODMAN): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  if (engine.kind === 'podman') {
    await execa(engine.binary, ['rm', '--force', '--time', '0', '--ignore', ...ids], { stdin: 'ignore' });
    return;
  }
  // docker rm --force kills at once; an id already gone is not an error here.
  const result = await execa(engine.binary, ['rm', '--force', ...ids], { stdin: 'ignore', reject: false });
  const errors = result.stderr.split('\n').filter((line) => line.trim() !== '' && !/No such container/i.test(line));
  if (result.exitCode !== 0 && errors.length > 0) {
    throw new Error(`${engine.binary} rm --force failed: ${errors.join('\n')}`);
  }
}

/** Removes the dependency and build cache volumes of these apps (zero-config starts create them), in one call. */
export async function removeDependencyVolumes(apps: readonly Pick<AppRef, 'key'>[], engine: EngineCli = PODMAN): Promise<void> {
  const { stdout } = await execa(engine.binary, ['volume', 'ls', '--quiet']);
  const existing = new Set(stdout.split('\n'));
  const ours = apps.flatMap((app) => appVolumesFor(app)).filter((name) => existing.has(name));
  if (ours.length > 0) {
    await execa(engine.binary, ['volume', 'rm', '--force', ...ours]);
  }
}

/** Removes every container of ours under `folder` (what a test's workspace started); returns how many. */
export async function removeContainersUnder(folder: string | undefined, kind: EngineKind = 'podman'): Promise<number> {
  if (!folder) {
    return 0;
  }
  // The engine the tests use; no detection round trip needed just to clean up.
  const engine = new CliEngine({ kind, binary: kind, exec: execaExec, stream: execaStream, logger: silentLogger });
  const ids = (await containersUnder(engine, folder)).map((c) => c.id);
  await removeContainers(ids, engine);
  return ids.length;
}
