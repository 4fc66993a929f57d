import * as z from 'zod/mini';
import { isLoopbackHost } from '../readiness';
import type { Exec } from './exec';
import { parseJson, parseJsonLines } from './parseJson';
import type { EngineKind } from './types';

/**
 * A named engine endpoint the engine itself manages: a podman system connection or a docker
 * context. We never carry container traffic ourselves; the engine's own remote API does.
 */
export interface EngineConnection {
  readonly kind: EngineKind;
  readonly name: string;
  readonly uri: string;
  /** The machine the containers run on; `undefined` when it is this one. */
  readonly host: string | undefined;
  readonly isDefault: boolean;
}

/** `ssh://user@build-box:22/run/podman.sock` → `build-box`; unix sockets and loopback → undefined. */
export function hostOfUri(uri: string): string | undefined {
  const match = /^(ssh|tcp|http|https):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/i.exec(uri.trim());
  if (!match?.[2]) {
    return undefined;
  }
  const host = match[2].replace(/^\[|\]$/g, '');
  return isLoopbackHost(host) ? undefined : host;
}

const podmanConnections = z.array(
  z.object({ Name: z.string(), URI: z.string(), Default: z.optional(z.boolean()) }),
);
const dockerContext = z.object({
  Name: z.string(),
  Current: z.optional(z.boolean()),
  DockerEndpoint: z.optional(z.string()),
});

export function parsePodmanConnections(stdout: string): EngineConnection[] {
  try {
    return parseJson(podmanConnections, stdout, 'connection list').map((c) => ({ kind: 'podman', name: c.Name, uri: c.URI, host: hostOfUri(c.URI), isDefault: c.Default ?? false }));
  } catch {
    return []; // an engine that prints something else has no connections we can use
  }
}

/** `docker context ls --format '{{json .}}'`: one object per line. */
export function parseDockerContexts(stdout: string): EngineConnection[] {
  return parseJsonLines(dockerContext, stdout, 'context list', false).map((c) => {
    const uri = c.DockerEndpoint ?? '';
    return { kind: 'docker', name: c.Name, uri, host: hostOfUri(uri), isDefault: c.Current ?? false };
  });
}

/** Connections of the engines installed here (an engine that is missing lists none). */
export async function listConnections(exec: Exec, binaries: { readonly podman?: string; readonly docker?: string }): Promise<EngineConnection[]> {
  const [podman, docker] = await Promise.all([
    binaries.podman ? exec(binaries.podman, ['system', 'connection', 'list', '--format', 'json'], { timeoutMs: 15_000 }) : undefined,
    binaries.docker ? exec(binaries.docker, ['context', 'ls', '--format', '{{json .}}'], { timeoutMs: 15_000 }) : undefined,
  ]);
  return [
    ...(podman?.exitCode === 0 ? parsePodmanConnections(podman.stdout) : []),
    ...(docker?.exitCode === 0 ? parseDockerContexts(docker.stdout) : []),
  ];
}

/** The global flags that select a connection. */
export function connectionArgs(kind: EngineKind, connection: string | undefined): string[] {
  if (!connection) {
    return [];
  }
  return kind === 'podman' ? ['--connection', connection] : ['--context', connection];
}
