import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { MatchedOperation, OpenApiContent, OpenApiParameter, SchemaObject } from './openapi-document.js';
import { toJsonSchema } from './openapi-schema.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks for the string formats worth checking; any other format name is accepted as is. */
const STRING_FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  uri: (v) => URL.canParse(v),
  email: (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  uuid: (v) => UUID.test(v),
};
const INTEGER_FORMATS = new Set(['int32', 'int64']);

/** A compiled validator, or the reason the schema could not be compiled. */
type Compiled = ValidateFunction | { compileError: string };

/**
 * Validates requests and responses against one operation of GitHub's OpenAPI description.
 * Schemas are translated ({@link toJsonSchema}) and compiled per operation and part on first
 * use, then cached. Methods return human-readable problems; an empty array means valid.
 */
export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  /** Path and query values arrive as strings: coerce them as GitHub does. */
  private readonly coercing = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: 'array' });
  private readonly cache = new Map<string, Compiled>();

  /** Problems with the path parameters, query string and JSON body of a request. */
  validateRequest(match: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const problems: string[] = [];
    const parameters = match.operation.parameters ?? [];
    problems.push(
      ...this.check(
        match,
        'path parameters',
        () => parametersSchema(parameters, 'path', false),
        { ...match.pathParams },
        true,
      ),
    );
    problems.push(
      ...this.check(match, 'query', () => parametersSchema(parameters, 'query', true), queryObject(query), true),
    );
    const requestBody = match.operation.requestBody;
    if (requestBody === undefined) {
      if (body !== undefined) problems.push('request body: the operation takes no body');
      return problems;
    }
    if (body === undefined) {
      if (requestBody.required === true) problems.push('request body: required but missing');
      return problems;
    }
    const schema = jsonSchemaOf(requestBody.content);
    if (schema !== undefined) problems.push(...this.check(match, 'request body', () => schema, body, false));
    return problems;
  }

  /**
   * Problems with a response. `body` is the parsed JSON (`undefined` for an empty body) and
   * `json` says whether the body was JSON at all. A status the description does not list is
   * a problem for 1xx-3xx; for 4xx/5xx it is accepted when the body has GitHub's error shape,
   * because the description lists error statuses incompletely (e.g. no 422 for statuses). The
   * same goes for a 4xx/5xx documented without a body (e.g. create-deployment's 409), which
   * GitHub answers with its error body all the same.
   */
  validateResponse(match: MatchedOperation, status: number, body: unknown, json: boolean): string[] {
    const responses = match.operation.responses;
    const documented = responses[String(status)] ?? responses[`${Math.floor(status / 100)}XX`] ?? responses.default;
    if (documented === undefined) {
      if (status < 400)
        return [`response status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
      return isErrorBody(body) ? [] : [`response ${status}: not a GitHub error body ({message, documentation_url})`];
    }
    if (documented.content === undefined) {
      if (body === undefined || (status >= 400 && isErrorBody(body))) return [];
      return [`response ${status}: documented without a body but one was sent`];
    }
    if (!json) return []; // e.g. a raw media type the description does not model
    const schema = jsonSchemaOf(documented.content);
    if (schema === undefined) return [];
    return this.check(match, `response ${status}`, () => schema, body, false);
  }

  private check(
    match: MatchedOperation,
    part: string,
    schema: () => SchemaObject,
    data: unknown,
    coerce: boolean,
  ): string[] {
    const key = `${match.method} ${match.template}#${part}`;
    let compiled = this.cache.get(key);
    if (compiled === undefined) {
      compiled = this.compile(schema(), coerce ? this.coercing : this.ajv);
      this.cache.set(key, compiled);
    }
    if ('compileError' in compiled) return [`${part}: schema does not compile: ${compiled.compileError}`];
    if (compiled(data)) return [];
    return formatErrors(part, compiled.errors ?? []);
  }

  private compile(source: SchemaObject, ajv: Ajv): Compiled {
    const formats = new Set<string>();
    const schema = toJsonSchema(source, formats);
    for (const format of formats) registerFormat(ajv, format);
    try {
      return ajv.compile(schema);
    } catch (error) {
      return { compileError: error instanceof Error ? error.message : String(error) };
    }
  }
}

function registerFormat(ajv: Ajv, format: string): void {
  if (ajv.formats[format] !== undefined) return;
  const check = STRING_FORMATS[format];
  if (check !== undefined) ajv.addFormat(format, { type: 'string', validate: check });
  else if (INTEGER_FORMATS.has(format)) ajv.addFormat(format, { type: 'number', validate: Number.isInteger });
  else ajv.addFormat(format, true);
}

function parametersSchema(parameters: OpenApiParameter[], where: 'path' | 'query', closed: boolean): SchemaObject {
  const own = parameters.filter((p) => p.in === where);
  return {
    type: 'object',
    properties: Object.fromEntries(own.map((p) => [p.name, p.schema ?? {}])),
    required: own.filter((p) => p.required === true).map((p) => p.name),
    // GitHub ignores unknown query parameters, but a client sending one has a bug.
    ...(closed ? { additionalProperties: false } : {}),
  };
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    out[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

function jsonSchemaOf(content: OpenApiContent | undefined): SchemaObject | undefined {
  if (content === undefined) return undefined;
  const type =
    Object.keys(content).find((t) => t === 'application/json') ?? Object.keys(content).find((t) => t.includes('json'));
  return type === undefined ? undefined : content[type]?.schema;
}

function isErrorBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string';
}

function formatErrors(part: string, errors: ErrorObject[]): string[] {
  const shown = errors.slice(0, 5).map((e) => {
    const detail =
      e.keyword === 'additionalProperties'
        ? ` (${String(e.params.additionalProperty)})`
        : e.keyword === 'enum'
          ? ` ${JSON.stringify(e.params.allowedValues)}`
          : '';
    return `${part}${e.instancePath} ${e.message ?? e.keyword}${detail}`;
  });
  if (errors.length > shown.length) shown.push(`${part}: and ${errors.length - shown.length} more`);
  return shown;
}
