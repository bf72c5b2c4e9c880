import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { createSpecParser, type SpecParser } from '../../../services/core/buildspec/parse-spec.js';

/** The repository root (where package.json and schemas/ are). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let parser: SpecParser | undefined;

/** The spec parser with the real schemas/buildspec.schema.json. */
export function specParser(): SpecParser {
  parser ??= createSpecParser(JSON.parse(readFileSync(`${ROOT}schemas/buildspec.schema.json`, 'utf8')) as object);
  return parser;
}

/** A spec written line by line, so that line numbers in a test are easy to count. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** A fixed build request, as the trigger mapping would make it for a push to main. */
export const REQUEST: BuildRequest = {
  id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  event: 'push',
  repo: { owner: 'octo-org', name: 'widget' },
  sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  ref: 'refs/heads/main',
  cloneUrl: 'https://github.com/octo-org/widget.git',
  sender: 'octocat',
};
