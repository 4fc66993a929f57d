import * as path from 'node:path';
import { execa } from 'execa';
import { dependencyVolumeFor, type AppRef } from '../../src/core/appIdentity';
import { CliEngine } from '../../src/core/engine/cliEngine';
import type { ContainerEngine } from '../../src/core/engine/containerEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_PATH } from '../../src/core/engine/labels';
import type { ContainerSummary } from '../../src/core/engine/types';
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

/** Removes containers by id in one engine call (40 one by one would take most of a minute). */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  if (ids.length > 0) {
    await execa('podman', ['rm', '--force', '--time', '0', '--ignore', ...ids], { stdin: 'ignore' });
  }
}

/** Removes the dependency cache volumes of these apps (zero-config starts create them), in one call. */
export async function removeDependencyVolumes(apps: readonly Pick<AppRef, 'key'>[]): Promise<void> {
  const { stdout } = await execa('podman', ['volume', 'ls', '--quiet']);
  const existing = new Set(stdout.split('\n'));
  const ours = apps.map((app) => dependencyVolumeFor(app)).filter((name) => existing.has(name));
  if (ours.length > 0) {
    await execa('podman', ['volume', 'rm', '--force', ...ours]);
  }
}

/** Removes every container of ours under `folder` (what a test's workspace started); returns how many. */
export async function removeContainersUnder(folder: string | undefined): Promise<number> {
  if (!folder) {
    return 0;
  }
  // The engine the tests use (podman); no detection round trip needed just to clean up.
  const engine = new CliEngine({ kind: 'podman', binary: 'podman', exec: execaExec, stream: execaStream, logger: silentLogger });
  const ids = (await containersUnder(engine, folder)).map((c) => c.id);
  await removeContainers(ids);
  return ids.length;
}
