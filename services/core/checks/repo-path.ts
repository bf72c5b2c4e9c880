/**
 * A path as GitHub annotates it: relative to the repository, a leading `./` taken off, or
 * undefined for what names no file of the repository (empty, absolute, or leaving it by `..`).
 */
export function repoPath(raw: string): string | undefined {
  const path = raw.trim().replace(/^\.\//, '');
  if (path === '' || path.startsWith('/') || path.split('/').includes('..')) return undefined;
  return path;
}
