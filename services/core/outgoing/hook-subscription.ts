import type { BuildEvent, BuildEventKind } from '../builds/build-event.js';

/**
 * An operator's subscription to build events (chat-ops): where to send them, signed with
 * which secret, for which scope (every repository, an organisation, one repository, or the
 * repositories of one GitHub App installation) and which kinds (all when absent).
 */
export interface HookSubscription {
  id: string;
  url: string;
  /** HMAC-SHA256 key of the `X-Slipway-Signature-256` header. Never shown after creation. */
  secret: string;
  repo?: string;
  org?: string;
  installation?: number;
  kinds?: BuildEventKind[];
  /** `json`: the event as is; `slack`: a Slack-compatible `{text}` message. */
  format: 'json' | 'slack';
  createdAt: string;
  createdBy: string;
}

/** One attempt to deliver an event to a subscription, as recorded (the last ones are kept). */
export interface HookDelivery {
  /** The same for every attempt of one delivery; a redelivery has a new one. */
  id: string;
  subscriptionId: string;
  event: BuildEvent;
  at: string;
  attempt: number;
  /** The HTTP status answered; absent when the URL could not be reached. */
  status?: number;
  ok: boolean;
  error?: string;
  durationMs: number;
  redelivery?: boolean;
}

/**
 * Whether a subscription wants an event. An installation scope matches the repositories the
 * caller says belong to it (`installationOf`, absent when unknown: no match). Pure.
 */
export function wantsEvent(sub: HookSubscription, event: BuildEvent, installationOf?: number): boolean {
  if (sub.kinds?.length && !sub.kinds.includes(event.kind)) return false;
  if (sub.repo && sub.repo.toLowerCase() !== event.repo.toLowerCase()) return false;
  if (sub.org && sub.org.toLowerCase() !== event.repo.split('/')[0]!.toLowerCase()) return false;
  if (sub.installation !== undefined && sub.installation !== installationOf) return false;
  return true;
}

/** A subscription as the API shows it: never its secret. */
export function publicSubscription(sub: HookSubscription): Omit<HookSubscription, 'secret'> {
  const shown: Partial<HookSubscription> = { ...sub };
  delete shown.secret;
  return shown as Omit<HookSubscription, 'secret'>;
}
