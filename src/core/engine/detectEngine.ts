import * as path from 'node:path';
import { EngineNotFoundError, EngineNotRespondingError } from '../errors';
import type { Logger } from '../logger';
import type { EngineChoice } from '../settings';
import { CliEngine } from './cliEngine';
import type { ContainerEngine } from './containerEngine';
import { connectionArgs, listConnections } from './connections';
import type { Exec, ExecStream } from './exec';
import type { EngineKind } from './types';

export interface DetectOptions {
  readonly choice: EngineChoice;
  readonly enginePath: string | undefined;
  readonly exec: Exec;
  readonly stream: ExecStream;
  readonly logger: Logger;
  /** A podman system connection / docker context to use instead of the engine's default. */
  readonly connection?: string;
}

/** Which engine a custom binary is: by its name, else by what `--version` says. */
async function kindOfBinary(binary: string, exec: Exec): Promise<EngineKind | undefined> {
  const base = path.basename(binary).toLowerCase();
  if (base.includes('podman')) {
    return 'podman';
  }
  if (base.includes('docker')) {
    return 'docker';
  }
  const result = await exec(binary, ['--version'], { timeoutMs: 10_000 });
  if (/podman/i.test(result.stdout)) {
    return 'podman';
  }
  if (/docker/i.test(result.stdout)) {
    return 'docker';
  }
  return undefined;
}

/** Where a named connection/context runs its containers (undefined: this machine). */
async function hostOfConnection(options: DetectOptions, kind: EngineKind, binary: string): Promise<string | undefined> {
  const connections = await listConnections(options.exec, kind === 'podman' ? { podman: binary } : { docker: binary });
  return connections.find((c) => c.kind === kind && c.name === options.connection)?.host;
}

/**
 * Picks the engine: the one the settings name, or with `auto` the first whose `info` answers
 * (podman, then docker). Errors say whether nothing is installed or something is installed but
 * not answering, and what to do.
 */
export async function detectEngine(options: DetectOptions): Promise<ContainerEngine> {
  const candidates: { kind: EngineKind; binary: string }[] = [];
  if (options.enginePath) {
    const kind = options.choice !== 'auto' ? options.choice : await kindOfBinary(options.enginePath, options.exec);
    candidates.push({ kind: kind ?? 'podman', binary: options.enginePath });
  } else if (options.choice === 'auto') {
    candidates.push({ kind: 'podman', binary: 'podman' }, { kind: 'docker', binary: 'docker' });
  } else {
    candidates.push({ kind: options.choice, binary: options.choice });
  }
  const notAnswering: EngineNotRespondingError[] = [];
  for (const { kind, binary } of candidates) {
    const base = { kind, binary, exec: options.exec, stream: options.stream, logger: options.logger, globalArgs: connectionArgs(kind, options.connection) };
    try {
      const info = await new CliEngine(base).info();
      const host = options.connection ? await hostOfConnection(options, kind, binary) : undefined;
      options.logger.info(`Using ${kind} ${info.version} (${binary}${options.connection ? `, connection "${options.connection}"${host ? ` on ${host}` : ''}` : ''}).`);
      return new CliEngine({ ...base, ...(host === undefined ? {} : { host }) });
    } catch (error) {
      if (error instanceof EngineNotRespondingError) {
        notAnswering.push(error);
      } else if (!(error instanceof EngineNotFoundError)) {
        notAnswering.push(new EngineNotRespondingError(kind, error instanceof Error ? error.message : String(error)));
      }
    }
  }
  if (notAnswering[0]) {
    throw notAnswering[0];
  }
  throw new EngineNotFoundError(candidates.map((c) => c.binary));
}
