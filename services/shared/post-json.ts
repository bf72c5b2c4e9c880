/** What a POST answered: the status, or why there was no answer. */
export type PostResult = { status: number; durationMs: number } | { error: string; durationMs: number };

/** POSTs a body with headers, giving up after `timeoutMs`; never throws. The outgoing webhooks' one HTTP call. */
export type PostJson = (url: string, body: string, headers: Record<string, string>) => Promise<PostResult>;

export function postJson(timeoutMs = 10_000): PostJson {
  return async (url, body, headers) => {
    const started = Date.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status, durationMs: Date.now() - started };
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
      return { error: cause ?? (err as Error).message, durationMs: Date.now() - started };
    }
  };
}
