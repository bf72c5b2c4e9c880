import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSpecParser, type SpecParser } from '../core/buildspec/parse-spec.js';
import { projectRoot } from './project-root.js';

let parser: SpecParser | undefined;

/** The spec parser with `schemas/buildspec.schema.json`, compiled once per process. */
export function specParser(): SpecParser {
  parser ??= createSpecParser(
    JSON.parse(readFileSync(join(projectRoot(), 'schemas', 'buildspec.schema.json'), 'utf8')) as object,
  );
  return parser;
}
