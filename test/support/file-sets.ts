import type { FileSet } from '../../services/executor/backend/types.js';

/** A collector set named `artifacts` (exact paths, 10 kB a file, 100 kB in all), with `extra`. */
export const fileSet = (extra: Partial<FileSet>): FileSet => ({
  name: 'artifacts',
  paths: [],
  globs: false,
  maxFileBytes: 10_000,
  maxTotalBytes: 100_000,
  ...extra,
});
