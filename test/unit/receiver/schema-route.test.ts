import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { startMemoryReceiver, type MemoryReceiver } from '../../support/memory-receiver.js';

const file = readFileSync('schemas/buildspec.schema.json', 'utf8');
const id = (JSON.parse(file) as { $id: string }).$id;

describe("the spec's schema at the address its $id names", () => {
  let receiver: MemoryReceiver;
  beforeAll(async () => {
    receiver = await startMemoryReceiver();
  });
  afterAll(() => receiver.close());

  it('serves schemas/buildspec.schema.json at the $id path, to anyone, as an editor fetches it', async () => {
    const path = new URL(id).pathname;
    expect(path).toBe('/schemas/buildspec/v1.json');
    const res = await fetch(`${receiver.base}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/schema+json');
    const served = await res.text();
    expect(served).toBe(file);
    // What the YAML language server does with it: check a spec. The example passes, a typo does not.
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(served) as object);
    expect(validate(yaml.load(readFileSync('.buildspec.example.yml', 'utf8')))).toBe(true);
    expect(validate({ version: 1, tset: [] })).toBe(false);
  });

  it('answers 304 to a revalidation, and redirects the old file name', async () => {
    const first = await fetch(`${receiver.base}/schemas/buildspec/v1.json`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${receiver.base}/schemas/buildspec/v1.json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const old = await fetch(`${receiver.base}/schemas/buildspec.schema.json`, { redirect: 'manual' });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/schemas/buildspec/v1.json');
  });
});
