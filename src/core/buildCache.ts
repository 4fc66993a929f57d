import { dependencyVolumeFor, volumeNameFor, type AppRef } from './appIdentity';
import type { NamedVolume } from './engine/runArgs';
import { APP_DIR } from './sourceMirror';

/**
 * The folders in which stacks keep their build cache inside the app folder. The app runs on a
 * fresh copy of its folder in every new container (sourceMirror.ts), so without a volume each start
 * would begin with an empty cache: Next recompiles every page, Angular re-bundles its dependencies.
 * Each gets a per-app named volume at `/app/<dir>`, like node_modules; the mirror never copies nor
 * deletes these names (SKIPPED_TOP_LEVEL), so the volume is the container's alone.
 */
export const BUILD_CACHE_DIRS = ['.next', '.nuxt', '.svelte-kit', '.angular', '.astro', '.docusaurus'] as const;
export type BuildCacheDir = (typeof BUILD_CACHE_DIRS)[number];

/**
 * The volume of one cache folder of one app. The folder is part of the name so that an app whose
 * stack changed never finds another stack's cache under its own folder's name.
 */
export function buildCacheVolumeFor(app: Pick<AppRef, 'key'>, dir: BuildCacheDir): string {
  return volumeNameFor('preview-cache', app, dir.replace(/^\./, ''));
}

/** The mount of that volume (a container path under /app; a workspace member's under its folder there). */
export function buildCacheVolume(app: Pick<AppRef, 'key'>, dir: BuildCacheDir, member?: string): NamedVolume {
  return { name: buildCacheVolumeFor(app, dir), containerPath: member === undefined ? `${APP_DIR}/${dir}` : `${APP_DIR}/${member}/${dir}` };
}

/**
 * Every volume that belongs to one app, whatever its stack is today: what a release removes (the
 * shared package cache is not one of them).
 */
export function appVolumesFor(app: Pick<AppRef, 'key'>): string[] {
  return [dependencyVolumeFor(app), ...BUILD_CACHE_DIRS.map((dir) => buildCacheVolumeFor(app, dir))];
}
