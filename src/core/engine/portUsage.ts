import type { EnginePortUse } from '../portAllocator';
import { isOurs, labelledPort, LABEL_PATH } from './labels';
import type { ContainerSummary } from './types';

/**
 * Ports the engine holds, from a container list: every port a running container publishes, and
 * the sticky port labelled on each of our stopped containers (another window's app keeps it).
 */
export function portUsageFrom(containers: readonly ContainerSummary[]): Map<number, EnginePortUse> {
  const usage = new Map<number, EnginePortUse>();
  for (const container of containers) {
    const ours = isOurs(container.labels);
    const ownerKey = ours ? container.labels[LABEL_PATH] : undefined;
    if (container.running) {
      for (const binding of container.ports) {
        usage.set(binding.hostPort, { ownerKey, publishing: true });
      }
    }
    const sticky = ours ? labelledPort(container.labels) : undefined;
    if (sticky !== undefined && !usage.has(sticky)) {
      usage.set(sticky, { ownerKey, publishing: false });
    }
  }
  return usage;
}
