import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Slipway's package.json, from source (services/) or from dist/services/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'schemas', 'buildspec.schema.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find Slipway project root (schemas/buildspec.schema.json)');
    dir = up;
  }
  return dir;
}
