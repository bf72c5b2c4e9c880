import { closest } from './closest.js';
import type { MatrixValue, SpecMatrix } from './types.js';

/** Most combinations one matrix may give, unless the operator's policy says otherwise. */
export const DEFAULT_MAX_MATRIX = 32;

/** Above this many combinations before exclusions, a matrix is refused without being enumerated. */
const ENUMERATION_LIMIT = 100_000;

/** One combination: axis names and values (as text), in the order the axes are written. */
export type Combination = Array<[axis: string, value: string]>;

/** A problem with a matrix, at a path relative to the `matrix` key. */
export interface MatrixProblem {
  segments: string[];
  message: string;
  hint?: string;
}

/**
 * The combinations of a valid matrix: every combination of the axes' values (the first
 * axis varies slowest), without those an `exclude` entry matches, then each `include` entry.
 */
export function matrixCombinations(matrix: SpecMatrix): Combination[] {
  const axes = Object.keys(matrix.axes);
  let combos: Combination[] = [[]];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => matrix.axes[axis]!.map((v): Combination => [...combo, [axis, String(v)]]));
  }
  const excludes = matrix.exclude ?? [];
  combos = combos.filter((combo) => !excludes.some((entry) => matches(combo, entry)));
  for (const entry of matrix.include ?? []) {
    combos.push(axes.filter((a) => a in entry).map((a): Combination[number] => [a, String(entry[a])]));
  }
  return combos;
}

/** `unit (node: 20, db: pg)`: the step's name with its combination, in axis order. */
export function combinationName(name: string, combo: Combination): string {
  return combo.length === 0 ? name : `${name} (${combo.map(([axis, value]) => `${axis}: ${value}`).join(', ')})`;
}

/** `MATRIX_NODE`: the environment variable that carries an axis's value. */
export function matrixEnvName(axis: string): string {
  return `MATRIX_${axis.toUpperCase()}`;
}

/** `${{ matrix.node }}` in an image, replaced by the combination's value. */
export const MATRIX_REFERENCE = /\$\{\{\s*matrix\.([A-Za-z0-9_]+)\s*\}\}/g;

export function interpolateMatrix(text: string, combo: Combination): string {
  const values = new Map(combo);
  return text.replace(MATRIX_REFERENCE, (whole, axis: string) => values.get(axis) ?? whole);
}

/**
 * What is wrong with a matrix the schema accepted, or one it did not where the data
 * allows a check: entries naming unknown axes, exclusions that match nothing, inclusions
 * already present, and more combinations than `max`. Also returns how many steps it gives.
 */
export function matrixProblems(matrix: unknown, max: number): { problems: MatrixProblem[]; count: number } {
  const problems: MatrixProblem[] = [];
  if (!isRecord(matrix) || !isRecord(matrix.axes)) return { problems, count: 1 };
  const axes = matrix.axes;
  const names = Object.keys(axes);
  const usable = (values: unknown) => Array.isArray(values) && values.length > 0 && values.every(isScalar);
  if (names.length === 0 || !names.every((a) => usable(axes[a]))) return { problems, count: 1 };
  // Entries that are well formed and name only axes; the others are reported (or left to the schema) and skipped.
  const usableEntries = (key: 'include' | 'exclude'): Array<[number, Record<string, MatrixValue>]> => {
    const list = Array.isArray(matrix[key]) ? (matrix[key] as unknown[]) : [];
    return list.flatMap((entry, i): Array<[number, Record<string, MatrixValue>]> => {
      if (!isRecord(entry) || !Object.values(entry).every(isScalar)) return [];
      const unknown = Object.keys(entry).filter((axis) => !names.includes(axis));
      for (const axis of unknown) {
        const near = closest(axis, names);
        problems.push({
          segments: [key, String(i), axis],
          message: `unknown axis "${axis}"`,
          hint: near ? `did you mean "${near}"?` : `the axes are ${names.join(', ')}`,
        });
      }
      return unknown.length === 0 ? [[i, entry as Record<string, MatrixValue>]] : [];
    });
  };
  const excludes = usableEntries('exclude');
  const includes = usableEntries('include');
  const includeCount = Array.isArray(matrix.include) ? matrix.include.length : 0;
  const product = names.reduce((n, a) => n * (axes[a] as unknown[]).length, 1);
  if (product > ENUMERATION_LIMIT) {
    problems.push({
      segments: [],
      message:
        `the matrix has ${product.toLocaleString('en')} combinations before exclusions; ` +
        `at most ${max} are allowed`,
      hint: 'remove values or split the step',
    });
    return { problems, count: product };
  }
  const spec = { axes: axes as Record<string, MatrixValue[]> };
  const all = matrixCombinations(spec);
  for (const [i, entry] of excludes) {
    if (!all.some((combo) => matches(combo, entry))) {
      problems.push({
        segments: ['exclude', String(i)],
        message: 'this exclusion matches no combination',
        hint: `check each value against the axes (${describeAxes(spec)})`,
      });
    }
  }
  const kept = matrixCombinations({ ...spec, exclude: excludes.map(([, entry]) => entry) });
  const keyOf = (combo: Combination) => combo.map(([a, v]) => `${a}=${v}`).join('\u0000');
  const present = new Set(kept.map(keyOf));
  for (const [i, entry] of includes) {
    const key = keyOf(names.filter((a) => a in entry).map((a): Combination[number] => [a, String(entry[a])]));
    if (present.has(key)) {
      problems.push({
        segments: ['include', String(i)],
        message: 'this combination is already in the matrix',
        hint: 'remove it (or the exclusion that removes it)',
      });
    }
    present.add(key);
  }
  const count = kept.length + includeCount;
  if (count > max) {
    problems.push({
      segments: [],
      message: `the matrix expands to ${count} combinations; at most ${max} are allowed`,
      hint: 'remove values, exclude combinations, or split the step',
    });
  }
  return { problems, count };
}

function matches(combo: Combination, entry: Record<string, unknown>): boolean {
  return Object.entries(entry).every(([axis, value]) => combo.some(([a, v]) => a === axis && v === String(value)));
}

function describeAxes(matrix: SpecMatrix): string {
  return Object.entries(matrix.axes)
    .map(([axis, values]) => `${axis}: ${values.map(String).join(', ')}`)
    .join('; ');
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
