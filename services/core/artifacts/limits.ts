import type { TarFile } from './tar.js';

/** The operator's limits on what builds keep (SLIPWAY_ARTIFACT_MAX_FILE_BYTES, SLIPWAY_ARTIFACT_MAX_BUILD_BYTES). */
export interface ArtifactLimits {
  maxFileBytes: number;
  maxBuildBytes: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = {
  maxFileBytes: 20 * 1024 * 1024,
  maxBuildBytes: 50 * 1024 * 1024,
};

/**
 * Whether a step's files fit: each file within the per-file limit, and the build's total
 * (the files other steps kept, plus these, a path kept again counted once) within the
 * per-build one. Answers the problems in words for the step's log, each naming its setting.
 */
export function artifactProblems(
  files: ReadonlyArray<Pick<TarFile, 'path'> & { size: number }>,
  kept: ReadonlyArray<{ path: string; size: number }>,
  limits: ArtifactLimits,
): string[] {
  const problems = files.filter((f) => f.size > limits.maxFileBytes).map((f) => fileTooBig(f.path, f.size, limits));
  const mine = new Set(files.map((f) => f.path));
  const total =
    kept.filter((k) => !mine.has(k.path)).reduce((sum, k) => sum + k.size, 0) +
    files.reduce((sum, f) => sum + f.size, 0);
  if (total > limits.maxBuildBytes) problems.push(buildTooBig(total, limits));
  return problems;
}

export function fileTooBig(path: string, size: number, limits: ArtifactLimits): string {
  return (
    `${path} is ${formatBytes(size)}, more than the ${formatBytes(limits.maxFileBytes)} a file may be ` +
    '(SLIPWAY_ARTIFACT_MAX_FILE_BYTES)'
  );
}

export function buildTooBig(total: number, limits: ArtifactLimits): string {
  return (
    `the build's artifacts would be ${formatBytes(total)}, more than the ${formatBytes(limits.maxBuildBytes)} ` +
    'a build may keep (SLIPWAY_ARTIFACT_MAX_BUILD_BYTES)'
  );
}

/** 1536 → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(n.toFixed(1))} ${units[unit]}`;
}
