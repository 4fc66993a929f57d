import * as z from 'zod/mini';
import { parseJson, parseJsonLines } from './parseJson';

/** What we need to know about an image: whose it is (labels) and how it runs (ports, workdir). */
export interface ImageDetails {
  readonly id: string;
  readonly tags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** `Config.ExposedPorts` keys, e.g. `8000/tcp`: those of the Dockerfile and of its base images. */
  readonly exposedPorts: readonly string[];
  /** `Config.WorkingDir`; undefined when the image has none (the engines then run in `/`). */
  readonly workingDir: string | undefined;
}

export interface ImageSummary {
  readonly id: string;
  readonly tags: readonly string[];
}

/** `image inspect`, the docker-compatible shape both engines print. */
const inspectSchema = z.array(
  z.object({
    Id: z.string(),
    RepoTags: z.optional(z.nullable(z.array(z.string()))),
    Config: z.optional(
      z.nullable(
        z.object({
          Labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
          ExposedPorts: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
          WorkingDir: z.optional(z.nullable(z.string())),
        }),
      ),
    ),
  }),
);

export function parseImageInspect(stdout: string): ImageDetails[] {
  return parseJson(inspectSchema, stdout, 'image inspect').map((image) => ({
    id: image.Id.replace(/^sha256:/, ''),
    tags: image.RepoTags ?? [],
    labels: image.Config?.Labels ?? {},
    exposedPorts: Object.keys(image.Config?.ExposedPorts ?? {}),
    workingDir: image.Config?.WorkingDir ? image.Config.WorkingDir : undefined,
  }));
}

/** `podman images --format json`: one JSON array; tags under `Names` (podman 4) or `RepoTags`. */
const podmanImagesSchema = z.array(z.object({ Id: z.string(), Names: z.optional(z.nullable(z.array(z.string()))), RepoTags: z.optional(z.nullable(z.array(z.string()))) }));

export function parsePodmanImages(stdout: string): ImageSummary[] {
  return parseJson(podmanImagesSchema, stdout, 'images').map((image) => ({ id: image.Id, tags: image.Names ?? image.RepoTags ?? [] }));
}

/** `docker images --no-trunc --format '{{json .}}'`: one object per line and per tag; merged by id. */
const dockerImageSchema = z.object({ ID: z.string(), Repository: z.optional(z.string()), Tag: z.optional(z.string()) });

export function parseDockerImages(stdout: string): ImageSummary[] {
  const byId = new Map<string, string[]>();
  for (const image of parseJsonLines(dockerImageSchema, stdout, 'images', true)) {
    const id = image.ID.replace(/^sha256:/, '');
    const tags = byId.get(id) ?? [];
    if (image.Repository && image.Repository !== '<none>' && image.Tag && image.Tag !== '<none>') {
      tags.push(`${image.Repository}:${image.Tag}`);
    }
    byId.set(id, tags);
  }
  return [...byId].map(([id, tags]) => ({ id, tags }));
}
