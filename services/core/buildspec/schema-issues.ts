import type { ErrorObject } from 'ajv';
import { closest } from './closest.js';
import type { SpecIssue } from './types.js';

/** Line and column of a path in the document (segments, not a pointer), when known. */
export type Locate = (segments: readonly string[]) => { line: number; column: number } | undefined;

/** Plain messages for values that must match a definition of the schema, by definition name. */
const BY_DEFINITION: Record<string, string> = {
  duration: 'must be a duration such as "90s", "10m" or "1h30m", or a number of seconds',
  memory: 'must be a size such as "512M" or "2G" (powers of 1024), or a number of bytes',
  image: 'must be an image reference such as "node:20" or "registry.example/app:1", without spaces',
  sidecarName:
    'must be a host name: lower-case letters, digits and dashes, starting with a letter, at most 32 characters',
  stageObject: 'must be a list of steps, or a mapping with "steps" (and "services" in e2e)',
  deployObject: 'must be a list of steps, or a mapping with "steps" or "environments"',
};

/** Plain names for the keys of maps, by the definition (or property) their names must match. */
const NAME_RULES: Record<string, { what: string; hint: string }> = {
  envName: { what: 'an environment variable name', hint: 'letters, digits and _, not starting with a digit' },
  lockName: { what: 'a lock name', hint: 'letters, digits, ".", "_" and "-", at most 63 characters' },
  axisName: {
    what: 'a matrix axis name',
    hint: 'letters, digits and _, starting with a letter, at most 32 characters',
  },
  environments: { what: 'an environment name', hint: 'letters, digits, ".", "_" and "-", at most 63 characters' },
  node_labels: { what: 'a node label name', hint: 'letters, digits, ".", "_" and "-"' },
};

/** Plain messages for pattern errors of inline schemas, by the end of their schema path. */
const BY_SCHEMA_PATH: Array<[RegExp, string]> = [
  [/\/constraints\/items\/pattern$/, 'must be a constraint such as "node.role==manager" or "node.labels.pool!=slow"'],
  [/\/teams\/items\/pattern$/, 'must be a team as "org/team-slug"'],
  [/\/url\/pattern$/, 'must be an http:// or https:// URL'],
  [/\/image\/pattern$/, 'must be an image reference such as "node:20" or "node:${{ matrix.node }}", without spaces'],
  [/\/secrets\/items\/pattern$/, 'must be a secret name: letters, digits, ".", "_" and "-", at most 64 characters'],
];

/**
 * Turns ajv's errors into issues a person can act on: each at the key it is about, in
 * plain words, with a hint where one helps; the noise of if/then/else and propertyNames
 * left out, and repeats merged.
 */
export function schemaIssues(errors: readonly ErrorObject[], schema: object, locate: Locate): SpecIssue[] {
  const definitions = (schema as { definitions?: Record<string, unknown> }).definitions ?? {};
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    const issue = schemaIssue(error, definitions, locate);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function schemaIssue(error: ErrorObject, definitions: Record<string, unknown>, locate: Locate): SpecIssue {
  const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
  const definition = definitionOf(error, definitions);
  let message = error.message ?? 'is invalid';
  let hint: string | undefined;
  if (error.propertyName !== undefined) {
    // A key of a map (env, locks, axes...) with a name its rule refuses: point at the key.
    segments.push(error.propertyName);
    const rule = NAME_RULES[definition ?? ''] ?? NAME_RULES[segments.at(-2) ?? ''];
    message = `"${error.propertyName}" is not ${rule?.what ?? 'a valid name here'}`;
    hint = rule?.hint;
  } else if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    segments.push(extra);
    message = `unknown key "${extra}"`;
    const known = Object.keys(propertiesAt(error.parentSchema));
    const near = closest(extra, known);
    hint = near ? `did you mean "${near}"?` : known.length > 0 ? `allowed keys: ${known.join(', ')}` : undefined;
  } else if (error.keyword === 'required') {
    message = `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`;
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (definition && BY_DEFINITION[definition]) {
    message = BY_DEFINITION[definition];
  } else if (
    (error.keyword === 'minItems' || error.keyword === 'minLength') &&
    (error.params as { limit: number }).limit === 1
  ) {
    message = 'must not be empty';
  } else if (error.keyword === 'uniqueItems') {
    const { i, j } = error.params as { i: number; j: number };
    message = `lists the same value twice (items ${j + 1} and ${i + 1})`;
  } else if (error.keyword === 'pattern') {
    message = BY_SCHEMA_PATH.find(([re]) => re.test(error.schemaPath))?.[1] ?? message;
  }
  const path = segments.length > 0 ? `/${segments.join('/')}` : '';
  return { path, ...locate(segments), message, ...(hint ? { hint } : {}) };
}

/** The name of the schema definition the failing keyword belongs to, if it is one of them. */
function definitionOf(error: ErrorObject, definitions: Record<string, unknown>): string | undefined {
  const fromPath = /^#\/definitions\/([^/]+)\/[^/]+$/.exec(error.schemaPath)?.[1];
  if (fromPath) return fromPath;
  return Object.keys(definitions).find((name) => definitions[name] === error.parentSchema);
}

function propertiesAt(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
