const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const MEMORY = /^(\d+(?:\.\d+)?)(?:([kmgt])i?)?b?$/i;

/** Docker refuses a memory limit below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

/**
 * Bytes of a spec memory size: `"512M"`, `"2G"`, `"1.5Gi"`, `"64MB"` (K, M, G, T are powers
 * of 1024, as in `docker run --memory`), or a number of bytes. Undefined when not a size.
 */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = MEMORY.exec(value);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}
