import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A JSON Schema object as found in the description (OpenAPI 3.0 dialect). */
export type SchemaObject = { [keyword: string]: unknown };

/** An OpenAPI parameter (already dereferenced). */
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: SchemaObject;
}

/** Media types keyed by content type, e.g. `application/json`. */
export type OpenApiContent = Record<string, { schema?: SchemaObject }>;

/** One documented response of an operation. */
export interface OpenApiResponse {
  description?: string;
  content?: OpenApiContent;
}

/** An OpenAPI operation (already dereferenced). */
export interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: OpenApiContent };
  responses: Record<string, OpenApiResponse>;
  externalDocs?: { url: string };
}

/** A request matched to an operation of the description. */
export interface MatchedOperation {
  /** Upper-case HTTP method. */
  method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/statuses/{sha}`. */
  template: string;
  operation: OpenApiOperation;
  /** Path parameters, percent-decoded. */
  pathParams: Record<string, string>;
}

interface Route {
  method: string;
  template: string;
  operation: OpenApiOperation;
  /** One matcher per path segment; a string is a literal segment. */
  segments: Array<string | { regex: RegExp; names: string[] }>;
  literals: number;
  /** True when the last segment is exactly one parameter that may contain raw slashes. */
  endsWithParam: boolean;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

/**
 * Final path parameters GitHub accepts with literal slashes (a file path, a branch such as
 * `feature/x`). Only these may absorb extra segments, or `/repos/o/r/typo` would match
 * `/repos/{owner}/{repo}` with repo = "r/typo".
 */
const SLASHED_PARAMS = new Set(['path', 'ref']);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The module id of the dereferenced description of api.github.com. */
export const DESCRIPTION_MODULE = '@octokit/openapi/generated/api.github.com.deref.json';

let cached: RouteIndex | undefined;

/**
 * The route index over `@octokit/openapi`'s dereferenced api.github.com description, parsed
 * on first use and shared by every stand-in in the process (parsing the ~70 MB file takes
 * about 0.7 s and ~190 MB of heap, so it happens once).
 */
export function githubRoutes(): RouteIndex {
  cached ??= new RouteIndex(loadDescription());
  return cached;
}

function loadDescription(): OpenApiDocument {
  const file = createRequire(import.meta.url).resolve(DESCRIPTION_MODULE);
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  if (!document.openapi.startsWith('3.0.')) {
    // The schema translation in openapi-schema.ts assumes OpenAPI 3.0 (`nullable`).
    throw new Error(`expected an OpenAPI 3.0 description, got ${document.openapi}`);
  }
  return document;
}

/** Matches request paths to the description's operations. */
export class RouteIndex {
  private readonly bySegmentCount = new Map<number, Route[]>();
  private readonly slashTolerant: Route[] = [];

  constructor(readonly document: OpenApiDocument) {
    for (const [template, item] of Object.entries(document.paths)) {
      const shared = (item.parameters as OpenApiParameter[] | undefined) ?? [];
      for (const method of METHODS) {
        const operation = item[method] as OpenApiOperation | undefined;
        if (operation === undefined) continue;
        const merged = mergeParameters(shared, operation.parameters ?? []);
        const route = compileRoute(method.toUpperCase(), template, { ...operation, parameters: merged });
        const list = this.bySegmentCount.get(route.segments.length) ?? [];
        list.push(route);
        this.bySegmentCount.set(route.segments.length, list);
        if (route.endsWithParam) this.slashTolerant.push(route);
      }
    }
    for (const list of this.bySegmentCount.values()) list.sort((a, b) => b.literals - a.literals);
    this.slashTolerant.sort((a, b) => b.segments.length - a.segments.length || b.literals - a.literals);
  }

  /**
   * The operation for `method` and the raw (still percent-encoded) `pathname`, or undefined.
   * Segments are matched one to one first (Octokit encodes `/` inside a parameter as %2F);
   * failing that, a template's last `{path}` or `{ref}` parameter may absorb the remaining
   * segments, as GitHub accepts e.g. `contents/dir/file.yml` with literal slashes.
   */
  match(method: string, pathname: string): MatchedOperation | undefined {
    const raw = pathname.replace(/\/+$/, '').split('/').slice(1);
    const upper = method.toUpperCase();
    for (const route of this.bySegmentCount.get(raw.length) ?? []) {
      if (route.method !== upper) continue;
      const params = matchSegments(route, raw);
      if (params !== undefined) return toMatch(route, params);
    }
    for (const route of this.slashTolerant) {
      if (route.method !== upper || raw.length <= route.segments.length) continue;
      const head = raw.slice(0, route.segments.length - 1);
      const tail = raw.slice(route.segments.length - 1).join('/');
      const params = matchSegments(route, [...head, tail]);
      if (params !== undefined) return toMatch(route, params);
    }
    return undefined;
  }
}

function toMatch(route: Route, pathParams: Record<string, string>): MatchedOperation {
  return { method: route.method, template: route.template, operation: route.operation, pathParams };
}

function matchSegments(route: Route, raw: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, matcher] of route.segments.entries()) {
    const segment = decode(raw[index] ?? '');
    if (segment === undefined) return undefined;
    if (typeof matcher === 'string') {
      if (matcher !== segment) return undefined;
      continue;
    }
    const found = matcher.regex.exec(segment);
    if (found === null) return undefined;
    matcher.names.forEach((name, i) => (params[name] = found[i + 1] ?? ''));
  }
  return params;
}

function compileRoute(method: string, template: string, operation: OpenApiOperation): Route {
  const segments = template
    .replace(/\/+$/, '')
    .split('/')
    .slice(1)
    .map((segment) => {
      if (!segment.includes('{')) return segment;
      const names: string[] = [];
      const source = segment.replace(
        /\{([^}]+)\}|([^{]+)/g,
        (_all, name: string | undefined, literal: string | undefined) => {
          if (name !== undefined) {
            names.push(name);
            return '(.+?)';
          }
          return escapeRegExp(literal ?? '');
        },
      );
      return { regex: new RegExp(`^${source}$`, 's'), names };
    });
  const last = template.split('/').at(-1) ?? '';
  return {
    method,
    template,
    operation,
    segments,
    literals: segments.filter((s) => typeof s === 'string').length,
    endsWithParam: /^\{[^}]+\}$/.test(last) && SLASHED_PARAMS.has(last.slice(1, -1)),
  };
}

function mergeParameters(shared: OpenApiParameter[], own: OpenApiParameter[]): OpenApiParameter[] {
  const key = (p: OpenApiParameter): string => `${p.in}:${p.name}`;
  const ownKeys = new Set(own.map(key));
  return [...shared.filter((p) => !ownKeys.has(key(p))), ...own];
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
