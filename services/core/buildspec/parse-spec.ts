import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { lintSpec } from './lint-spec.js';
import { lineColumn, loadWithPositions, locatePath, type AliasUse, type PositionIndex } from './locate-yaml.js';
import { schemaIssues, type Locate } from './schema-issues.js';
import type { BuildSpec, SpecIssue, SpecPolicy, SpecResult } from './types.js';
import { STAGES } from './types.js';
import { aliasIssue } from './yaml-limits.js';

export { closest } from './closest.js';

/** Largest `.buildspec.yml` accepted, in bytes. */
export const MAX_SPEC_BYTES = 256 * 1024;

/** Deepest nesting of mappings and sequences accepted (js-yaml counts every node on the way). */
const MAX_DEPTH = 64;

/** js-yaml 4.3 exports its types and takes `maxDepth`; @types/js-yaml 4.0 does not know them yet. */
const jsYaml = yaml as typeof yaml & { types: { merge: yaml.Type } };

/** The YAML 1.2 core schema (no timestamps, no binary, no custom tags) plus merge keys (`<<: *base`). */
const YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [jsYaml.types.merge] });
const LOAD_OPTIONS: yaml.LoadOptions & { maxDepth: number } = { schema: YAML_SCHEMA, json: false, maxDepth: MAX_DEPTH };

/**
 * Turns the text of a `.buildspec.yml` into a spec or the complete list of its issues.
 * `policy` overrides the parser's default policy for this call (the operator's settings
 * for the repository being built).
 */
export type SpecParser = (text: string, policy?: SpecPolicy) => SpecResult;

/**
 * Compiles the JSON schema once and returns a parser. The schema is passed in (read by an
 * adapter from `schemas/`) so that this module stays free of I/O. `policy` is what the
 * operator allows by default: without it, every safety rule applies and limits are the
 * defaults (100 steps, 32 combinations per matrix), and secret names are not checked.
 *
 * A parse runs: the size limit, YAML loading (with positions and alias uses), the alias
 * limits, then the schema and the semantic checks (lint-spec.ts), both always, so one run
 * reports every problem, sorted by position.
 */
export function createSpecParser(schema: object, defaultPolicy: SpecPolicy = {}): SpecParser {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  const validate = ajv.compile(schema);

  return (text, policy = defaultPolicy) => {
    const tooBig = sizeIssue(text);
    if (tooBig) return fail(tooBig);
    let value: unknown;
    let index: PositionIndex;
    let aliases: AliasUse[];
    try {
      ({ value, index, aliases } = loadWithPositions(text, LOAD_OPTIONS));
    } catch (err) {
      return fail(yamlIssue(err));
    }
    const bomb = aliasIssue(text, value, aliases);
    if (bomb) return fail(bomb);
    if (value === undefined || value === null) {
      return fail({
        path: '',
        line: 1,
        column: 1,
        message: 'the file is empty',
        hint: `add at least one of the stages ${STAGES.join(', ')}`,
      });
    }
    const locate: Locate = (segments) => locatePath(text, value, index, segments);
    const issues = validate(value) ? [] : schemaIssues(validate.errors ?? [], schema, locate);
    issues.push(...lintSpec(value, locate, policy));
    return issues.length > 0 ? { ok: false, issues: byPosition(issues) } : { ok: true, spec: value as BuildSpec };
  };
}

/**
 * A file over MAX_SPEC_BYTES is refused before it is parsed, pointing at where the limit
 * is passed (often one huge value pasted in by mistake).
 */
function sizeIssue(text: string): SpecIssue | undefined {
  // A UTF-8 character takes at most 4 bytes (2 UTF-16 units for those that take 4).
  if (text.length <= MAX_SPEC_BYTES / 3) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_SPEC_BYTES) return undefined;
  const offset = bytes
    .subarray(0, MAX_SPEC_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '').length;
  return {
    path: '',
    ...lineColumn(text, offset),
    message: `file is larger than ${MAX_SPEC_BYTES / 1024} KiB`,
    hint:
      `it is ${formatSize(bytes.length)}; the limit is passed here. ` +
      'Keep long scripts in files in the repository and run them from the spec',
  };
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
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
