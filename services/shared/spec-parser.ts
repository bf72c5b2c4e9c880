import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSpecParser, type SpecParser } from '../core/buildspec/parse-spec.js';
import { projectRoot } from './project-root.js';

let parser: SpecParser | undefined;
let schema: { text: string; json: { $id: string } } | undefined;

/** `schemas/buildspec.schema.json`, read once per process: its text (as served) and its JSON. */
export function buildspecSchema(): { text: string; json: { $id: string } } {
  if (!schema) {
    const text = readFileSync(join(projectRoot(), 'schemas', 'buildspec.schema.json'), 'utf8');
    schema = { text, json: JSON.parse(text) as { $id: string } };
  }
  return schema;
}

/** The spec parser with `schemas/buildspec.schema.json`, compiled once per process. */
export function specParser(): SpecParser {
  parser ??= createSpecParser(buildspecSchema().json);
  return parser;
}
