import { closest } from './closest.js';
import { BUILD_FIELDS } from './build-references.js';

/**
 * The templates of a step's `cache.key` and `cache.restore_keys`: text with `${{ … }}`
 * expressions, each one of
 *
 * - `hashFiles('GLOB', ...)`: one sha-256 of the matched workspace files at the commit (each
 *   file's sha-256 in path order, one a line, hashed again; GitHub hashes the raw digests, so
 *   the values differ from GitHub's); empty when nothing matches. Computed by the checkout
 *   (core/plan/hash-files-script.ts), filled in by the executor.
 * - `build.FIELD` (`build.sha`) and `matrix.AXIS`: filled in when the plan is made.
 *
 * Anything else in `${{ }}` is a spec error.
 */
export const EXPRESSION = /\$\{\{([^}]*)\}\}/g;
const HASH_FILES = /^\s*hashFiles\(\s*((?:'[^']*'|"[^"]*")(?:\s*,\s*(?:'[^']*'|"[^"]*"))*)\s*\)\s*$/;
const ARGUMENT = /'([^']*)'|"([^"]*)"/g;
const BUILD = /^\s*build\.([A-Za-z0-9_]+)\s*$/;
const MATRIX = /^\s*matrix\.([A-Za-z0-9_]+)\s*$/;

/** The globs of one `hashFiles(...)` expression, or undefined when it is not one. */
export function hashFilesGlobs(expression: string): string[] | undefined {
  const m = HASH_FILES.exec(expression);
  if (!m) return undefined;
  return [...m[1]!.matchAll(ARGUMENT)].map((a) => a[1] ?? a[2] ?? '');
}

/** Every `hashFiles(...)` of a template, as its glob lists. */
export function hashFilesCalls(template: string): string[][] {
  return [...template.matchAll(EXPRESSION)].flatMap((m) => {
    const globs = hashFilesGlobs(m[1]!);
    return globs ? [globs] : [];
  });
}

/** The name one glob list's hash goes by between the checkout and the executor. */
export function hashId(globs: readonly string[]): string {
  return JSON.stringify(globs);
}

/** What is wrong with a template: each expression that is not one of the three forms, with a hint. */
export function templateProblems(template: string, axes: readonly string[]): Array<{ message: string; hint?: string }> {
  const problems: Array<{ message: string; hint?: string }> = [];
  for (const m of template.matchAll(EXPRESSION)) {
    const inner = m[1]!;
    const globs = hashFilesGlobs(inner);
    if (globs) {
      for (const glob of globs) {
        if (glob === '' || glob.startsWith('/') || glob.split('/').includes('..'))
          problems.push({
            message: `hashFiles('${glob}') must name files inside the workspace`,
            hint: "write a glob relative to the workspace, e.g. hashFiles('package-lock.json')",
          });
      }
      continue;
    }
    const build = BUILD.exec(inner);
    if (build) {
      if (!(BUILD_FIELDS as readonly string[]).includes(build[1]!))
        problems.push({
          message: `"build.${build[1]}" is not a fact of the build`,
          hint: `the build's facts are ${BUILD_FIELDS.join(', ')}`,
        });
      continue;
    }
    const matrix = MATRIX.exec(inner);
    if (matrix) {
      if (!axes.includes(matrix[1]!)) {
        const near = closest(matrix[1]!, axes);
        problems.push({
          message: `"matrix.${matrix[1]}" is not an axis of this step's matrix`,
          hint: near
            ? `did you mean "matrix.${near}"?`
            : axes.length > 0
              ? `the axes are ${axes.join(', ')}`
              : 'add a matrix with that axis',
        });
      }
      continue;
    }
    const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(inner)?.[1];
    problems.push({
      message: `"\${{${inner}}}" is not an expression a cache key can use`,
      hint:
        name === 'hashFiles'
          ? "hashFiles takes quoted globs: hashFiles('package-lock.json', 'apps/*/package-lock.json')"
          : "use ${{ hashFiles('GLOB', ...) }}, ${{ build.sha }} or ${{ matrix.AXIS }}",
    });
  }
  return problems;
}

/** A template with every `hashFiles(...)` replaced by its hash (`hashes` by `hashId`); an unknown one becomes empty. */
/**
 * Whether every `hashFiles` of `template` has its value among `hashes` (a file list that
 * matched nothing has the empty value; an absent one was never computed). Pure.
 */
export function hashesKnown(template: string, hashes: Readonly<Record<string, string>>): boolean {
  let known = true;
  template.replace(EXPRESSION, (whole, inner: string) => {
    const globs = hashFilesGlobs(inner);
    if (globs && !(hashId(globs) in hashes)) known = false;
    return whole;
  });
  return known;
}

export function resolveTemplate(template: string, hashes: Readonly<Record<string, string>>): string {
  return template.replace(EXPRESSION, (whole, inner: string) => {
    const globs = hashFilesGlobs(inner);
    return globs ? (hashes[hashId(globs)] ?? '') : whole;
  });
}
