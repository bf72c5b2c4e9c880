import type { TarFile } from '../../core/artifacts/tar.js';

/** One file a step kept (`artifacts:` in the spec), as listed by the API. */
export interface ArtifactEntry {
  /** Relative to the workspace, `/`-separated: `dist/app.js`. */
  path: string;
  /** Bytes. */
  size: number;
  /** Key of the step that kept it, and its stage (later stages get it restored). */
  step: string;
  stage: string;
  /** When it was kept (ISO). */
  createdAt: string;
}

/**
 * The files builds keep: written by the executor after a step succeeds, read by the
 * executor to restore them into a later stage's workspace and by the API to list and serve
 * them; expired after the operator's retention.
 *
 * Callers, in order: `put` once per step (again after an executor restart: the same paths are
 * replaced, never doubled); `list` and `read` at any time, from other processes than the
 * writer; `expire` from a timer. Limits are the caller's (core/artifacts/limits.ts): the
 * store keeps what it is given. Must tolerate: a `read` of a path that is not kept
 * (undefined), a build with no artifacts (an empty list), concurrent `put`s of one build's
 * steps (each step's paths are its own), `expire` while a build is being written (a build
 * written within the retention is kept).
 */
export interface ArtifactStore {
  /** Keeps one step's files (paths already checked by `cleanPath`), replacing any of the same path. */
  put(buildId: string, from: { step: string; stage: string }, files: readonly TarFile[], at: string): Promise<void>;
  /** The build's files, sorted by path. */
  list(buildId: string): Promise<ArtifactEntry[]>;
  read(buildId: string, path: string): Promise<Buffer | undefined>;
  /** Removes every build whose newest file was kept before `before` (ISO); answers their ids. */
  expire(before: string): Promise<string[]>;
}
