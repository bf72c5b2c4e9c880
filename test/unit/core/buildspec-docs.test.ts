import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from './support.js';

const schema = JSON.parse(readFileSync(`${ROOT}schemas/buildspec.schema.json`, 'utf8')) as Record<string, unknown>;
const docs = readFileSync(`${ROOT}docs/buildspec.md`, 'utf8');

/** Every property of every object in the schema, with the path where it is defined. */
function properties(
  node: unknown,
  at: string,
  out: Array<{ name: string; at: string; schema: Record<string, unknown> }> = [],
) {
  if (Array.isArray(node)) node.forEach((item, i) => properties(item, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value))
          out.push({ name, at: `${at}/properties/${name}`, schema: sub as Record<string, unknown> });
      }
      properties(value, `${at}/${key}`, out);
    }
  }
  return out;
}

const all = properties(schema, '#');

describe('docs/buildspec.md and the schema', () => {
  it('finds the properties of the schema', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'matrix',
        'axes',
        'environments',
        'approval',
        'allow_self_approval',
        'ready',
        'capacity',
      ]),
    );
  });

  it.each(all.map((p) => [p.name, p.at]))('names the property `%s` (%s) in the reference', (name) => {
    expect(docs).toContain(`\`${name}\``);
  });

  it.each(all.map((p) => [p.name, p.at, p.schema]))(
    'describes `%s` (%s) in the schema, for editors',
    (_name, _at, sub) => {
      expect(typeof (sub as { description?: unknown }).description).toBe('string');
    },
  );

  it('has an $id and closes every fixed-shape object with additionalProperties: false', () => {
    expect(schema.$id).toMatch(/^https:\/\//);
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });
});
