import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../shared/project-root.js';

let document: object | undefined;

/** `schemas/api-v1.openapi.json`, read once: the OpenAPI 3.1 description of `/api/v1`, served at its openapi.json. */
export function openApiDocument(): object {
  document ??= JSON.parse(readFileSync(join(projectRoot(), 'schemas', 'api-v1.openapi.json'), 'utf8')) as object;
  return document;
}
