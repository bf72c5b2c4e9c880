import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../services/shared/project-root.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object; 'x-line-schema'?: object }> }> &
    Record<string, { 'x-message-schemas'?: Record<string, object> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/** What a test received from `/api/v1`, already checked against the document. */
export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** One Server-Sent Events message. */
export interface SseMessage {
  id?: string;
  event?: string;
  data: unknown;
}

/**
 * A client of `/api/v1` for tests that validates EVERY answer it receives against the
 * OpenAPI 3.1 document the server serves (ajv, draft 2020-12): the status must be one the
 * operation lists, JSON bodies must match their schema, JSON lines each line's, SSE messages
 * the operation's message schemas. Problems go to `violations`; a test ends with
 * `expect(client.violations).toEqual([])`, as the GitHub stand-in's are checked.
 */
export class ApiV1Client {
  readonly violations: string[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly doc: Doc;

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    doc?: Doc,
  ) {
    this.doc = doc ?? (JSON.parse(readFileSync(join(projectRoot(), 'schemas', 'api-v1.openapi.json'), 'utf8')) as Doc);
    this.ajv.addSchema(this.doc as object, 'api');
  }

  /** The same client with other credentials. */
  as(headers: Record<string, string>): ApiV1Client {
    const other = new ApiV1Client(this.baseUrl, headers, this.doc);
    other.violations.push = (...items: string[]) => this.violations.push(...items);
    return other;
  }

  get<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }

  /** A GET whose body is bytes (an artifact): its status and content type are checked. */
  async getBytes(path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, { headers: this.headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const text = type === 'application/json' ? bytes.toString('utf8') : '';
    this.check('GET', path, res.status, type, text, text ? JSON.parse(text) : undefined);
    return { status: res.status, headers: res.headers, bytes };
  }

  post<T = unknown>(path: string, body?: unknown): Promise<ApiAnswer<T>> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { ...this.headers, ...extra, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    let parsed: unknown = text;
    if (type === 'application/json') parsed = JSON.parse(text);
    this.check(method, path, res.status, type, text, parsed);
    return { status: res.status, headers: res.headers, text, body: parsed as T };
  }

  /**
   * Reads an SSE stream, handing each message to `onMessage` (checked against the document)
   * until it returns `false`, the stream ends, or `signal` aborts; comments are counted in `comments`.
   */
  async stream(
    path: string,
    onMessage: (message: SseMessage) => boolean | void,
    options: { lastEventId?: string; signal?: AbortSignal; onComment?: (text: string) => void } = {},
  ): Promise<{ status: number; ended: boolean }> {
    const abort = new AbortController();
    options.signal?.addEventListener('abort', () => abort.abort());
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      headers: {
        ...this.headers,
        accept: 'text/event-stream',
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: abort.signal,
    });
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (res.status !== 200 || !res.body) {
      const text = await res.text();
      this.check('GET', path, res.status, type, text, type === 'application/json' ? JSON.parse(text) : text);
      return { status: res.status, ended: true };
    }
    this.check('GET', path, res.status, type, '', undefined);
    const op = this.operation('GET', path);
    const schemas =
      (op?.responses['200'] as { 'x-message-schemas'?: Record<string, object> })?.['x-message-schemas'] ?? {};
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: Partial<SseMessage> & { dataText?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) options.onComment?.(line.slice(1).trim());
            else if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.dataText = line.slice(6);
          }
          if (message.dataText === undefined) continue;
          const data: unknown = JSON.parse(message.dataText);
          const schema = schemas[message.event === 'end' ? 'end' : 'message'] ?? schemas.message;
          if (schema) this.validate(`GET ${path} SSE ${message.event ?? 'message'}`, schema, data);
          const done = onMessage({
            ...(message.id ? { id: message.id } : {}),
            ...(message.event ? { event: message.event } : {}),
            data,
          });
          if (done === false) {
            abort.abort();
            return { status: 200, ended: false };
          }
          if (message.event === 'end') return { status: 200, ended: true };
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
      return { status: 200, ended: false };
    }
    return { status: 200, ended: true };
  }

  private check(method: string, path: string, status: number, type: string, text: string, body: unknown): void {
    const where = `${method} ${path} → ${status}`;
    const op = this.operation(method, path);
    if (!op) return void this.violations.push(`${where}: no such operation in the document`);
    const response = op.responses[String(status)] as
      { content?: Record<string, { schema?: object; 'x-line-schema'?: object }> } | undefined;
    if (!response) return void this.violations.push(`${where}: status not in the document`);
    if (!response.content) return;
    const media = response.content[type];
    if (!media) return void this.violations.push(`${where}: content type ${type} not in the document`);
    if (type === 'application/json' && media.schema) this.validate(where, media.schema, body);
    if (type === 'application/x-ndjson' && media['x-line-schema'])
      for (const line of text.split('\n').filter(Boolean))
        this.validate(`${where} line`, media['x-line-schema'], JSON.parse(line));
  }

  private validate(where: string, schema: object, value: unknown): void {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      const ref = (schema as { $ref?: string }).$ref;
      // A schema inside the document names components relative to the document: say which.
      const inline = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/')) as object;
      validate = this.ajv.compile(ref ? { $ref: `api${ref}` } : inline);
      this.compiled.set(key, validate);
    }
    if (!validate(value))
      this.violations.push(
        `${where}: ${this.ajv.errorsText(validate.errors)} in ${JSON.stringify(value).slice(0, 300)}`,
      );
  }

  private operation(method: string, path: string): Operation | undefined {
    const pathname = path.split('?')[0]!;
    for (const [template, ops] of Object.entries(this.doc.paths)) {
      // `{path}` (an artifact's) keeps its slashes; every other parameter is one segment.
      const pattern = new RegExp(`^${template.replace('{path}', '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      if (pattern.test(pathname)) return ops[method.toLowerCase()];
    }
    return undefined;
  }
}
