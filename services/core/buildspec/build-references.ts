import { closest } from './closest.js';

/**
 * `${{ build.FIELD }}`: facts of the build a spec may name in a step's `image` and in `env`
 * values, replaced when the plan is made. `${{ build.sha }}` gives the images a build pushes a
 * tag of their own (`registry/app:${{ build.sha }}`), which a later stage runs as its image.
 */
export const BUILD_REFERENCE = /\$\{\{\s*build\.([A-Za-z0-9_]+)\s*\}\}/g;

/** What `${{ build.FIELD }}` can name. */
export interface BuildValues {
  /** The commit built, 40 hex digits. */
  sha: string;
}

export const BUILD_FIELDS: ReadonlyArray<keyof BuildValues> = ['sha'];

export function interpolateBuild(text: string, values: BuildValues): string {
  return text.replace(BUILD_REFERENCE, (whole, field: string) =>
    (BUILD_FIELDS as readonly string[]).includes(field) ? values[field as keyof BuildValues] : whole,
  );
}

/** One message per `${{ build.FIELD }}` in `text` that names no field, with a suggestion. */
export function unknownBuildReferences(text: string): Array<{ message: string; hint: string }> {
  return [...text.matchAll(BUILD_REFERENCE)]
    .map((m) => m[1]!)
    .filter((field) => !(BUILD_FIELDS as readonly string[]).includes(field))
    .map((field) => {
      const near = closest(field, BUILD_FIELDS);
      return {
        message: `"build.${field}" is not a fact of the build`,
        hint: near ? `did you mean "build.${near}"?` : `the build's facts are ${BUILD_FIELDS.join(', ')}`,
      };
    });
}
