import { Ajv, type ErrorObject } from 'ajv';
import yaml from 'js-yaml';
import { loadWithPositions, locatePath, type PositionIndex } from './locate-yaml.js';
import type { BuildSpec, SpecIssue, SpecResult } from './types.js';
import { STAGES } from './types.js';

/** Largest `.buildspec.yml` accepted, in bytes. */
export const MAX_SPEC_BYTES = 256 * 1024;

/** Turns the text of a `.buildspec.yml` into a spec or the complete list of its issues. */
export type SpecParser = (text: string) => SpecResult;

/**
 * Compiles the JSON schema once and returns a parser. The schema is passed in (read by an
 * adapter from `schemas/`) so that this module stays free of I/O.
 */
export function createSpecParser(schema: object): SpecParser {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  const validate = ajv.compile(schema);

  return (text) => {
    if (Buffer.byteLength(text, 'utf8') > MAX_SPEC_BYTES) {
      return fail({ path: '', message: `file is larger than ${MAX_SPEC_BYTES / 1024} KiB` });
    }
    let value: unknown;
    let index: PositionIndex;
    try {
      ({ value, index } = loadWithPositions(text, { schema: yaml.CORE_SCHEMA, json: false }));
    } catch (err) {
      return fail(yamlIssue(err));
    }
    if (value === undefined || value === null) {
      return fail({ path: '', line: 1, column: 1, message: 'the file is empty', hint: `add at least one of the stages ${STAGES.join(', ')}` });
    }
    if (!validate(value)) {
      return { ok: false, issues: byPosition((validate.errors ?? []).map((e) => schemaIssue(e, text, value, index))) };
    }
    const spec = value as BuildSpec;
    const issues = byPosition(semanticIssues(spec, text, index));
    return issues.length > 0 ? { ok: false, issues } : { ok: true, spec };
  };
}

function byPosition(issues: SpecIssue[]): SpecIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function fail(issue: SpecIssue): SpecResult {
  return { ok: false, issues: [issue] };
}

function yamlIssue(err: unknown): SpecIssue {
  if (err instanceof yaml.YAMLException) {
    return {
      path: '',
      line: err.mark.line + 1,
      column: err.mark.column + 1,
      message: `YAML syntax error: ${err.reason}`,
    };
  }
  throw err;
}

function schemaIssue(error: ErrorObject, text: string, root: unknown, index: PositionIndex): SpecIssue {
  const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
  let message = error.message ?? 'is invalid';
  let hint: string | undefined;
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    segments.push(extra);
    message = `unknown key "${extra}"`;
    const known = Object.keys(propertiesAt(error.parentSchema));
    const near = closest(extra, known);
    hint = near ? `did you mean "${near}"?` : known.length > 0 ? `allowed keys: ${known.join(', ')}` : undefined;
  } else if (error.keyword === 'required') {
    message = `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`;
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const path = segments.length > 0 ? `/${segments.join('/')}` : '';
  return { path, ...locatePath(text, root, index, segments), message, ...(hint ? { hint } : {}) };
}

function semanticIssues(spec: BuildSpec, text: string, index: PositionIndex): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const seen = new Map<string, string>();
  for (const stage of STAGES) {
    (spec[stage] ?? []).forEach((step, i) => {
      const path = `/${stage}/${i}/name`;
      const first = seen.get(step.name);
      if (first) {
        issues.push({
          path,
          ...locatePath(text, spec, index, [stage, String(i), 'name']),
          message: `duplicate step name "${step.name}"`,
          hint: `already used at ${first}; step names must be unique in the build`,
        });
      } else seen.set(step.name, path);
    });
  }
  if (STAGES.every((s) => spec[s] === undefined)) {
    issues.push({ path: '', line: 1, column: 1, message: 'no stage defined', hint: `add at least one of ${STAGES.join(', ')}` });
  }
  return issues;
}

function propertiesAt(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The known word within edit distance 2 of `word`, if any. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
