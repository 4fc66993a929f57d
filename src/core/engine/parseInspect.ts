import * as z from 'zod/mini';
import { parseJson } from './parseJson';
import type { ContainerDetails, PortBinding } from './types';

/** `inspect` output, in the docker-compatible shape both engines print. */
const inspectSchema = z.object({
  Id: z.string(),
  Name: z.optional(z.string()),
  Image: z.optional(z.string()),
  ImageName: z.optional(z.string()),
  State: z.object({
    Status: z.optional(z.string()),
    Running: z.optional(z.boolean()),
    ExitCode: z.optional(z.number()),
    StartedAt: z.optional(z.string()),
    FinishedAt: z.optional(z.string()),
    Error: z.optional(z.string()),
    Pid: z.optional(z.number()),
  }),
  Config: z.optional(
    z.object({
      Labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
      Image: z.optional(z.string()),
    }),
  ),
  HostConfig: z.optional(
    z.object({
      Privileged: z.optional(z.boolean()),
      PortBindings: z.optional(z.nullable(z.record(z.string(), z.nullable(z.array(z.object({ HostIp: z.optional(z.string()), HostPort: z.optional(z.string()) })))))),
    }),
  ),
  NetworkSettings: z.optional(
    z.object({
      Ports: z.optional(z.nullable(z.record(z.string(), z.nullable(z.array(z.object({ HostIp: z.optional(z.string()), HostPort: z.optional(z.string()) })))))),
    }),
  ),
  Mounts: z.optional(z.nullable(z.array(z.object({ Source: z.optional(z.string()) })))),
});

type PortMap = Record<string, { HostIp?: string | undefined; HostPort?: string | undefined }[] | null> | null | undefined;

function portsFrom(map: PortMap): PortBinding[] {
  const result: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(map ?? {})) {
    const [port, protocol] = key.split('/');
    for (const b of bindings ?? []) {
      if (b.HostPort && /^\d+$/.test(b.HostPort)) {
        result.push({ hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort), containerPort: Number(port), protocol: protocol ?? 'tcp' });
      }
    }
  }
  return result;
}

/** Go's zero time and unset values become `undefined`. */
function time(text: string | undefined): number | undefined {
  if (!text || text.startsWith('0001-01-01')) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseInspect(stdout: string): ContainerDetails[] {
  return parseJson(z.array(inspectSchema), stdout, 'inspect').map((c) => {
    const running = c.State.Running ?? c.State.Status === 'running';
    // Live bindings while running; the configured ones otherwise (docker clears the live ones).
    const live = portsFrom(c.NetworkSettings?.Ports);
    return {
      id: c.Id,
      name: (c.Name ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      image: c.ImageName ?? c.Config?.Image ?? c.Image ?? '',
      state: c.State.Status ?? (running ? 'running' : 'exited'),
      running,
      labels: c.Config?.Labels ?? {},
      ports: live.length > 0 ? live : portsFrom(c.HostConfig?.PortBindings),
      exitCode: running ? undefined : c.State.ExitCode,
      startedAt: time(c.State.StartedAt),
      finishedAt: time(c.State.FinishedAt),
      error: c.State.Error ? c.State.Error : undefined,
      pid: c.State.Pid !== undefined && c.State.Pid > 0 ? c.State.Pid : undefined,
      privileged: c.HostConfig?.Privileged ?? false,
      mountSources: (c.Mounts ?? []).flatMap((m) => (m.Source ? [m.Source] : [])),
    };
  });
}
