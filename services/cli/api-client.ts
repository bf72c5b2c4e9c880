import { CliError, type CliIo } from './command.js';
import { storedToken } from './credentials.js';

/** An answer of the API: its status and its body, parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  ok: boolean;
  body: unknown;
  text: string;
}

/**
 * The CLI's way to Slipway's API v1 (contract C): `SLIPWAY_URL` (default http://localhost:3000)
 * and the bearer `SLIPWAY_API_TOKEN`, else the token `slipway login` stored for that URL.
 * A Slipway that cannot be reached is a `CliError` saying where it tried.
 */
export class ApiClient {
  readonly base: string;
  readonly token: string | undefined;

  constructor(private readonly io: CliIo) {
    this.base = baseUrl(io.env);
    this.token = io.env.SLIPWAY_API_TOKEN || storedToken(io.env, this.base);
  }

  async get(path: string, query: Record<string, string | undefined> = {}): Promise<ApiAnswer> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(key, value);
    const qs = search.toString();
    return this.answer(await this.fetch(`${path}${qs ? `?${qs}` : ''}`, { method: 'GET' }));
  }

  async post(path: string, body: object): Promise<ApiAnswer> {
    return this.answer(
      await this.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  }

  /** The raw answer (for streams), with the token; rejects as a `CliError` when nobody answers. */
  async fetch(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        ...init,
        headers: {
          accept: 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...init.headers,
        },
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw unreachable(this.base, err);
    }
  }

  private async answer(res: Response): Promise<ApiAnswer> {
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, ok: res.ok, body, text };
  }
}

export function baseUrl(env: NodeJS.ProcessEnv): string {
  return (env.SLIPWAY_URL || 'http://localhost:3000').replace(/\/+$/, '');
}

/** fetch says only "fetch failed"; why (ECONNREFUSED, ENOTFOUND) is in its cause. */
export function unreachable(base: string, err: unknown): CliError {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  const why = cause?.message || cause?.code || String(err);
  return new CliError(`cannot reach Slipway at ${base} (${why}): is it running, and does SLIPWAY_URL say where?`);
}

/**
 * An answer that is not 2xx, as one line for people: the API's `{error, message}` (contract C),
 * with what to do for the two a person can fix (401: a token; 403: a scope).
 */
export function refusal(answer: ApiAnswer): CliError {
  const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as {
    error?: string;
    message?: string;
  };
  const said = body.message ?? body.error ?? (answer.text.trim().slice(0, 200) || 'no reason given');
  const hint =
    answer.status === 401
      ? " (set SLIPWAY_API_TOKEN or run 'slipway login' with a personal token from <slipway>/settings/tokens)"
      : answer.status === 403
        ? ' (your token lacks the scope this needs)'
        : '';
  return new CliError(`${answer.status} ${body.error ?? 'refused'}: ${said}${hint}`);
}
