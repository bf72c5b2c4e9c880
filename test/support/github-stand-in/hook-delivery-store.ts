import { randomUUID } from 'node:crypto';
import { signedHeaders } from '../webhook-payloads.js';

/** Where a webhook goes: the GitHub App's own hook, or a hook of one repository. */
export type HookOwner = { kind: 'app' } | { kind: 'repo'; owner: string; repo: string };

/** One attempt as GitHub lists it (the `hook-delivery-item` schema), plus what to send again. */
export interface DeliveryAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  hookId: number;
  body: string;
}

interface Hook {
  id: number;
  owner: HookOwner;
  url: string;
  secret: string;
}

/**
 * The stand-in's webhooks and their delivery log: a delivery is a real signed POST to the
 * hook's URL, recorded with the status it got (0, "failed to connect", when nothing
 * answered); a redelivery, asked through the API, posts the same body with the same
 * `X-GitHub-Delivery` and is recorded as an attempt of its own, as GitHub does.
 */
export class HookDeliveryStore {
  private readonly hooks = new Map<number, Hook>();
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextHookId = 1;
  private nextAttemptId = 1_000;

  addHook(owner: HookOwner, url: string, secret: string): number {
    const id = this.nextHookId++;
    this.hooks.set(id, { id, owner, url, secret });
    return id;
  }

  /** The app's hook id, or undefined when the app has none. */
  appHook(): number | undefined {
    return [...this.hooks.values()].find((h) => h.owner.kind === 'app')?.id;
  }

  /** Whether `hookId` is a hook of `owner/repo`. */
  isRepoHook(hookId: number, owner: string, repo: string): boolean {
    const hook = this.hooks.get(hookId);
    return hook?.owner.kind === 'repo' && hook.owner.owner === owner && hook.owner.repo === repo;
  }

  /** Sends a new event to a hook; resolves with the attempt recorded. */
  async deliver(
    hookId: number,
    event: string,
    payload: unknown,
    guid: string = randomUUID(),
  ): Promise<DeliveryAttempt> {
    const body = JSON.stringify(payload);
    const action = (payload as { action?: unknown }).action;
    const repositoryId = (payload as { repository?: { id?: unknown } }).repository?.id;
    return this.send(hookId, { guid, event, body, redelivery: false, action, repositoryId });
  }

  /** Sends an attempt of `hookId` again, in the background as GitHub does; false when there is no such attempt. */
  redeliver(hookId: number, attemptId: number): boolean {
    const earlier = this.attempts.find((a) => a.id === attemptId && a.hookId === hookId);
    if (!earlier) return false;
    const sending = this.send(hookId, {
      guid: earlier.guid,
      event: earlier.event,
      body: earlier.body,
      redelivery: true,
      action: earlier.action,
      repositoryId: earlier.repository_id,
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    return true;
  }

  /** Resolves once every redelivery asked for so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** A hook's attempts, newest first, as GitHub lists them. */
  list(hookId: number): DeliveryAttempt[] {
    return this.attempts.filter((a) => a.hookId === hookId).sort((a, b) => b.id - a.id);
  }

  private async send(
    hookId: number,
    what: { guid: string; event: string; body: string; redelivery: boolean; action: unknown; repositoryId: unknown },
  ): Promise<DeliveryAttempt> {
    const hook = this.hooks.get(hookId);
    if (!hook) throw new Error(`stand-in: no hook ${hookId}`);
    const id = this.nextAttemptId++;
    const started = Date.now();
    let statusCode = 0;
    let status = 'failed to connect';
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: signedHeaders(what.event, what.body, hook.secret, what.guid),
        body: what.body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      statusCode = res.status;
      status = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') status = 'timed out';
    }
    const attempt: DeliveryAttempt = {
      id,
      guid: what.guid,
      delivered_at: new Date(started).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      redelivery: what.redelivery,
      duration: (Date.now() - started) / 1000,
      status,
      status_code: statusCode,
      event: what.event,
      action: typeof what.action === 'string' ? what.action : null,
      installation_id: null,
      repository_id: typeof what.repositoryId === 'number' ? what.repositoryId : null,
      hookId,
      body: what.body,
    };
    this.attempts.push(attempt);
    return attempt;
  }
}
