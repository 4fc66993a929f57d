import * as path from 'node:path';
import { CliEngine } from '../../src/core/engine/cliEngine';
import { execaExec, execaStream } from '../../src/core/engine/exec';
import { LABEL_PATH } from '../../src/core/engine/labels';
import { silentLogger } from '../../src/core/logger';

/**
 * Removes, by id, every container of ours whose app folder lies under `folder` — what a test's
 * workspace started through the extension. Nothing else is touched.
 */
export async function removeContainersUnder(folder: string | undefined): Promise<number> {
  if (!folder) {
    return 0;
  }
  // The engine the tests use (podman); no detection round trip needed just to clean up.
  const engine = new CliEngine({ kind: 'podman', binary: 'podman', exec: execaExec, stream: execaStream, logger: silentLogger });
  let removed = 0;
  for (const container of await engine.list({ all: true, ours: true })) {
    const appFolder = container.labels[LABEL_PATH] ?? '';
    if (appFolder === folder || appFolder.startsWith(folder + path.sep)) {
      await engine.remove(container.id);
      removed++;
    }
  }
  return removed;
}
