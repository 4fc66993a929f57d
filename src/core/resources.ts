import * as os from 'node:os';
import { describe } from './portRange';
import { SettingsError } from './errors';

/**
 * CPU and memory limits of app containers: `previewContainers.resources` and `apps[].resources`,
 * resolved against defaults that keep one runaway app (a busy loop, a leak) from starving the
 * editor on the same machine.
 */

/** What a user may write. `cpus: 0` / `memory: "0"`: no limit; unset: the default. */
export interface ResourceSettings {
  readonly cpus?: number;
  readonly memory?: string;
}

/** What one container gets, as the engine's `--cpus` / `--memory` take it; undefined: no limit. */
export interface ResourceLimits {
  readonly cpus: number | undefined;
  readonly memory: string | undefined;
}

/** The machine the containers run on (the extension's own: the engine is local, or VS Code Remote runs us beside it). */
export interface HostCapacity {
  readonly cpus: number;
  readonly memoryBytes: number;
}

export function hostCapacity(): HostCapacity {
  return { cpus: os.availableParallelism(), memoryBytes: os.totalmem() };
}

const MIB = 1024 * 1024;
/** docker refuses less ("Minimum memory limit allowed is 6MB"). */
const MIN_MEMORY_BYTES = 6 * MIB;
const MEMORY_PATTERN = /^([1-9][0-9]{0,12})([kmg])$/;
const UNIT_BYTES: Record<string, number> = { k: 1024, m: MIB, g: 1024 * MIB };

/**
 * The defaults: all CPUs but one (at least one), half the memory (as Docker Desktop's VM). A dev
 * server needs one core and a few GB at its peak; a runaway one then leaves the editor a core and
 * half the memory, and the kernel's OOM killer stops the container, not the editor.
 */
export function defaultLimits(host: HostCapacity): { cpus: number; memory: string } {
  return { cpus: Math.max(1, host.cpus - 1), memory: `${Math.max(256, Math.floor(host.memoryBytes / 2 / MIB))}m` };
}

/** Each limit from the app's entry, else the workspace's setting, else the default. */
export function resolveLimits(workspace: ResourceSettings, app: ResourceSettings | undefined, host: HostCapacity): ResourceLimits {
  const defaults = defaultLimits(host);
  const cpus = app?.cpus ?? workspace.cpus ?? defaults.cpus;
  const memory = app?.memory ?? workspace.memory ?? defaults.memory;
  return { cpus: cpus === 0 ? undefined : cpus, memory: memory === '0' ? undefined : memory };
}

export function memoryBytes(memory: string): number | undefined {
  const match = MEMORY_PATTERN.exec(memory);
  return match ? Number(match[1]) * (UNIT_BYTES[match[2] ?? ''] ?? 0) : undefined;
}

/** A valid `--memory` value: a whole number with k, m or g, at least 6m. */
export function isMemoryLimit(memory: string): boolean {
  const bytes = memoryBytes(memory);
  return bytes !== undefined && bytes >= MIN_MEMORY_BYTES;
}

/** A valid `--cpus` value: 0.01 to 1024, two decimals at most. */
export function isCpuLimit(cpus: number): boolean {
  return Number.isFinite(cpus) && cpus >= 0.01 && cpus <= 1024 && Math.abs(Math.round(cpus * 100) - cpus * 100) < 1e-6;
}

/** Validates `previewContainers.resources` or `apps[i].resources`; errors name the setting. */
export function parseResources(value: unknown, setting: string): ResourceSettings {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SettingsError(setting, `expected an object like { "cpus": 1, "memory": "2g" }, got ${describe(value)}.`);
  }
  const entry = value as Record<string, unknown>;
  const unknown = Object.keys(entry).filter((key) => key !== 'cpus' && key !== 'memory');
  if (unknown.length > 0) {
    throw new SettingsError(setting, `only "cpus" and "memory" can be set, not ${unknown.map((k) => `"${k}"`).join(', ')}.`);
  }
  const result: { cpus?: number; memory?: string } = {};
  if (entry.cpus !== undefined) {
    if (typeof entry.cpus !== 'number' || (entry.cpus !== 0 && !isCpuLimit(entry.cpus))) {
      throw new SettingsError(`${setting}.cpus`, `expected a number of CPUs from 0.01 to 1024 (e.g. 1.5; 0 for no limit), got ${describe(entry.cpus)}.`);
    }
    result.cpus = entry.cpus;
  }
  if (entry.memory !== undefined) {
    const memory = typeof entry.memory === 'string' ? entry.memory.trim().toLowerCase() : undefined;
    if (memory === undefined || (memory !== '0' && !isMemoryLimit(memory))) {
      throw new SettingsError(`${setting}.memory`, `expected a size such as "512m" or "2g" (at least 6m; "0" for no limit), got ${describe(entry.memory)}.`);
    }
    result.memory = memory;
  }
  return result;
}
