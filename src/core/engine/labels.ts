/** Labels on every container we start: how we find ours again, in any window, after any crash. */
export const LABEL_MANAGED = 'previewContainers.managed';
export const LABEL_APP = 'previewContainers.app';
export const LABEL_PORT = 'previewContainers.port';
export const LABEL_PATH = 'previewContainers.path';

/**
 * On the images we build for Dockerfile apps (and so, inherited, on every container run from
 * them): the build hash (the tree can tell a running image is out of date), the app folder the
 * image belongs to (to find an app's older images), the base images it was built on.
 */
export const LABEL_BUILD_HASH = 'previewContainers.buildHash';
export const LABEL_BUILT_FOR = 'previewContainers.builtFor';
export const LABEL_BASE_IMAGES = 'previewContainers.baseImages';

/** Podman 4.3 ignores `label=<key>` filters without a value, so filter on `key=value`. */
export const MANAGED_FILTER = `${LABEL_MANAGED}=true`;

export function isOurs(labels: Readonly<Record<string, string>>): boolean {
  return labels[LABEL_MANAGED] === 'true' && typeof labels[LABEL_PATH] === 'string';
}

/** The sticky port recorded on one of our containers, if it is a valid one. */
export function labelledPort(labels: Readonly<Record<string, string>>): number | undefined {
  const raw = labels[LABEL_PORT];
  if (raw === undefined || !/^\d{1,5}$/.test(raw)) {
    return undefined;
  }
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : undefined;
}
