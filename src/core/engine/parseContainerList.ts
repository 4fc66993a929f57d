import * as z from 'zod/mini';
import { parseJson, parseJsonLines } from './parseJson';
import type { ContainerSummary, PortBinding } from './types';

/** Podman `ps --format json`: one JSON array, typed fields. */
const podmanPort = z.object({
  host_ip: z.optional(z.string()),
  container_port: z.number(),
  host_port: z.optional(z.number()),
  range: z.optional(z.number()),
  protocol: z.optional(z.string()),
});
const podmanContainer = z.object({
  Id: z.string(),
  Names: z.optional(z.nullable(z.array(z.string()))),
  Image: z.optional(z.string()),
  State: z.string(),
  Labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
  Ports: z.optional(z.nullable(z.array(podmanPort))),
  ExitCode: z.optional(z.number()),
  Exited: z.optional(z.boolean()),
  StartedAt: z.optional(z.number()),
});

/** Docker `ps --format json`: one object per line, every field a string. */
const dockerContainer = z.object({
  ID: z.string(),
  Names: z.optional(z.string()),
  Image: z.optional(z.string()),
  State: z.optional(z.string()),
  Status: z.optional(z.string()),
  Labels: z.optional(z.string()),
  Ports: z.optional(z.string()),
});

export function parsePodmanPs(stdout: string): ContainerSummary[] {
  return parseJson(z.array(podmanContainer), stdout, 'container list').map((c) => {
    const ports: PortBinding[] = [];
    for (const p of c.Ports ?? []) {
      if (p.host_port === undefined) {
        continue;
      }
      // A `range` > 1 publishes consecutive ports.
      for (let i = 0; i < (p.range ?? 1); i++) {
        ports.push({ hostIp: p.host_ip ?? '', hostPort: p.host_port + i, containerPort: p.container_port + i, protocol: p.protocol ?? 'tcp' });
      }
    }
    return {
      id: c.Id,
      name: c.Names?.[0] ?? c.Id.slice(0, 12),
      image: c.Image ?? '',
      state: c.State,
      running: c.State === 'running',
      labels: c.Labels ?? {},
      ports,
      exitCode: c.Exited ? c.ExitCode : undefined,
      startedAt: c.StartedAt !== undefined && c.StartedAt > 0 ? c.StartedAt * 1000 : undefined,
    };
  });
}

/** `k=v,k2=v2` — values may contain `=`; commas inside values cannot be told apart (docker's own limit). */
export function parseDockerLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) {
    return labels;
  }
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return labels;
}

/**
 * `0.0.0.0:32102->80/tcp, [::]:32102->80/tcp, 443/tcp, 127.0.0.1:8000-8001->8000-8001/tcp`.
 * Unpublished ports (`443/tcp`) are skipped.
 */
export function parseDockerPorts(text: string | undefined): PortBinding[] {
  const bindings: PortBinding[] = [];
  for (const part of (text ?? '').split(',').map((s) => s.trim())) {
    const match = /^(?:\[?([0-9a-fA-F:.]*)\]?:)?(\d+)(?:-(\d+))?->(\d+)(?:-(\d+))?\/(\w+)$/.exec(part);
    if (!match) {
      continue;
    }
    const [, ip, hostStart, hostEnd, containerStart, , protocol] = match;
    const first = Number(hostStart);
    const last = hostEnd ? Number(hostEnd) : first;
    for (let port = first; port <= last; port++) {
      bindings.push({ hostIp: ip ?? '', hostPort: port, containerPort: Number(containerStart) + (port - first), protocol: protocol ?? 'tcp' });
    }
  }
  return bindings;
}

export function parseDockerPs(stdout: string): ContainerSummary[] {
  return parseJsonLines(dockerContainer, stdout, 'container list', true).map((c) => {
    const state = c.State ?? (c.Status?.startsWith('Up') ? 'running' : 'exited');
    const exit = /^Exited \((\d+)\)/.exec(c.Status ?? '');
    return {
      id: c.ID,
      name: (c.Names ?? c.ID).split(',')[0] ?? c.ID,
      image: c.Image ?? '',
      state,
      running: state === 'running',
      labels: parseDockerLabels(c.Labels),
      ports: parseDockerPorts(c.Ports),
      exitCode: exit ? Number(exit[1]) : undefined,
    };
  });
}
