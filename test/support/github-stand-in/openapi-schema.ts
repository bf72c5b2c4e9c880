import type { SchemaObject } from './openapi-document.js';

/** Keywords whose value is a single subschema. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'propertyNames', 'contains'];
/** Keywords whose value is an array of subschemas. */
const SUBSCHEMA_LIST = ['allOf', 'anyOf', 'oneOf'];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP = ['properties', 'patternProperties'];

/**
 * Translates an OpenAPI 3.0 schema object into plain JSON Schema (draft-07) for Ajv.
 *
 * The one difference that matters in GitHub's description is `nullable: true`: it becomes
 * `type: [T, "null"]` (and `null` is added to an `enum`), or, on a schema without `type`
 * (e.g. a nullable `allOf`/`anyOf`), `anyOf: [{type: "null"}, schema]`. Ajv understands
 * `nullable` itself but throws on `nullable` without `type`, which this description has.
 * Annotations Ajv does not know (`example`, `x-*`, `discriminator`) are left for
 * `strict: false` to ignore. Every `format` name met is added to `formats`.
 *
 * A string with a `format` whose documented `default` is `""` also accepts `""`: GitHub sends
 * that default (e.g. a deployment status's `target_url`), which no `uri` format check passes.
 */
export function toJsonSchema(schema: SchemaObject, formats: Set<string>): SchemaObject {
  let out: SchemaObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'nullable') continue;
    if (SUBSCHEMA.includes(keyword) && isSchema(value)) out[keyword] = toJsonSchema(value, formats);
    else if (SUBSCHEMA_LIST.includes(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((item: unknown) => (isSchema(item) ? toJsonSchema(item, formats) : item));
    } else if (SUBSCHEMA_MAP.includes(keyword) && isSchema(value)) {
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isSchema(sub) ? toJsonSchema(sub, formats) : sub]),
      );
    } else out[keyword] = value;
  }
  if (typeof schema.format === 'string') formats.add(schema.format);
  if (typeof schema.format === 'string' && schema.default === '') {
    const { format, ...rest } = out;
    out = { ...rest, anyOf: [{ const: '' }, { format }] };
  }
  if (schema.nullable !== true) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  if (Array.isArray(out.type))
    return out.type.includes('null') ? out : { ...out, type: [...(out.type as unknown[]), 'null'] };
  return { anyOf: [{ type: 'null' }, out] };
}

function isSchema(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
