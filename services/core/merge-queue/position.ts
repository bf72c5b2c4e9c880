/** 1 → "1st", 2 → "2nd", 11 → "11th", 22 → "22nd". Pure. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/**
 * The `slipway/merge-queue` description of a pull request at `index` (0 = the head) of a
 * queue into `base`, e.g. "2nd in line to merge into master". Pure.
 */
export function positionText(index: number, base: string): string {
  if (index === 0) return `1st in line: merges into ${base} once up to date and green`;
  return `${ordinal(index + 1)} in line to merge into ${base}`;
}
