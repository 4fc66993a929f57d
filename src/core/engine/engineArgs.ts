import { MANAGED_FILTER } from './labels';
import type { EngineKind } from './types';

/**
 * The argv of every engine verb (after the connection's global flags), one builder each, so what
 * we ask podman and docker is testable without a process. `run` has its own file (runArgs.ts).
 */

/** docker's `--format json` shortcut came with its 23.0 client (20.10 prints the word "json"). */
export const infoArgs = (kind: EngineKind): string[] => ['info', '--format', kind === 'podman' ? 'json' : '{{json .}}'];

export const startArgs = (idOrName: string): string[] => ['start', idOrName];

export const stopArgs = (idOrName: string, timeoutSeconds: number): string[] => ['stop', '-t', String(timeoutSeconds), idOrName];

/** podman rm -f would wait its default 10 s stop timeout; docker rm -f kills at once. */
export const removeArgs = (kind: EngineKind, idOrName: string, force: boolean): string[] => [
  'rm',
  ...(force ? ['-f'] : []),
  ...(force && kind === 'podman' ? ['-t', '2'] : []),
  idOrName,
];

// podman and docker both skip a missing volume under --force, and still remove the others.
export const removeVolumesArgs = (names: readonly string[]): string[] => ['volume', 'rm', '--force', ...names];

/** podman prints one typed JSON array; docker one object per line (`{{json .}}`, untruncated). */
export function listArgs(kind: EngineKind, options: { readonly all: boolean; readonly ours: boolean }): string[] {
  const args = ['ps', ...(options.all ? ['-a'] : []), ...(options.ours ? ['--filter', `label=${MANAGED_FILTER}`] : [])];
  return kind === 'podman' ? [...args, '--format', 'json'] : [...args, '--no-trunc', '--format', '{{json .}}'];
}

export const inspectArgs = (idsOrNames: readonly string[]): string[] => ['inspect', '--type', 'container', ...idsOrNames];

export const logsArgs = (idOrName: string, tail: number, follow = false): string[] => ['logs', ...(follow ? ['--follow'] : []), '--tail', String(tail), idOrName];

/** Podman 4.3 ignores key-only label filters, hence `key=value`. */
export const eventsArgs = (kind: EngineKind): string[] => ['events', '--format', kind === 'podman' ? 'json' : '{{json .}}', '--filter', 'type=container', '--filter', `label=${MANAGED_FILTER}`];

export const waitArgs = (idOrName: string): string[] => ['wait', idOrName];

export const imageExistsArgs = (kind: EngineKind, image: string): string[] => (kind === 'podman' ? ['image', 'exists', image] : ['image', 'inspect', '--format', '{{.Id}}', image]);

export const pullArgs = (image: string): string[] => ['pull', image];

export const networkReloadArgs = (idOrName: string): string[] => ['network', 'reload', idOrName];

/** Removes an image by tag or id (never forced: an image a container uses stays). */
export const removeImageArgs = (ref: string): string[] => ['rmi', ref];

export const inspectImageArgs = (ref: string): string[] => ['image', 'inspect', ref];

/** podman prints one JSON array; docker one object per line and per tag (`{{json .}}`, untruncated ids). */
export function listImagesArgs(kind: EngineKind, label: { readonly key: string; readonly value: string }): string[] {
  const filter = ['--filter', `label=${label.key}=${label.value}`];
  return kind === 'podman' ? ['images', ...filter, '--format', 'json'] : ['images', '--no-trunc', ...filter, '--format', '{{json .}}'];
}

/** Fallback when the host cannot see the container's process: read its /proc from inside. */
export const procNetArgs = (idOrName: string): string[] => ['exec', idOrName, 'cat', '/proc/net/tcp', '/proc/net/tcp6'];
