/** The bench's table: one row per figure, printed as it is measured. */
export interface Figure {
  what: string;
  value: string;
  /** The comparison: the floor or bare figure, the ratio and the target. */
  against?: string;
  verdict?: 'met' | 'NOT met' | '';
}

export const figures: Figure[] = [];

export function record(figure: Figure): void {
  figures.push(figure);
  const verdict = figure.verdict ? `[${figure.verdict}]` : '';
  process.stdout.write(`${figure.what.padEnd(58)} ${figure.value.padEnd(26)} ${figure.against ?? ''} ${verdict}\n`);
}

export function note(text: string): void {
  process.stdout.write(`  · ${text}\n`);
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ms = (n: number): string => `${Math.round(n)} ms`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)} ×`;
export const sleep = (n: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, n));

/** Waits, polling every `everyMs`, until `check` returns a value. */
export async function until<T>(
  what: string | (() => string),
  check: () => T | undefined,
  timeoutMs: number,
  everyMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`bench: gave up waiting for ${typeof what === 'string' ? what : what()} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
