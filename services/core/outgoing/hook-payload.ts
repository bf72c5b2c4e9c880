import { createHmac } from 'node:crypto';
import type { BuildEvent } from '../builds/build-event.js';
import type { HookSubscription } from './hook-subscription.js';

const ICONS: Record<string, string> = {
  success: ':white_check_mark:',
  failure: ':x:',
  error: ':warning:',
  cancelled: ':no_entry_sign:',
  running: ':arrows_counterclockwise:',
  waiting: ':hourglass:',
  queued: ':clock1:',
  skipped: ':fast_forward:',
};

/** The body sent for an event: the event itself, or a Slack-compatible message with `text`. Pure. */
export function hookBody(sub: Pick<HookSubscription, 'format'>, event: BuildEvent, publicUrl: string): string {
  if (sub.format !== 'slack') return JSON.stringify(event);
  const { build } = event;
  const where = build.pr ? `PR #${build.pr}` : (build.branch ?? build.ref);
  const decision = event.approval?.decision;
  const approval = decision ? `${decision.user} ${decision.decision}d` : (event.approval?.state ?? '');
  const what =
    event.kind === 'build'
      ? 'build'
      : event.kind === 'approval'
        ? `approval for ${event.approval?.environment ?? event.stage ?? ''}: ${approval}`
        : `${event.kind} ${event.step ?? event.stage ?? ''}`;
  const state = event.kind === 'approval' ? '' : ` ${event.state ?? ''}`;
  const link = `<${publicUrl.replace(/\/+$/, '')}/builds/${build.id}|${build.id}>`;
  const icon = ICONS[event.state ?? ''] ?? '';
  const text = `${icon} ${event.repo} ${where} @ ${build.sha.slice(0, 7)}: ${what}${state} (${link})`;
  return JSON.stringify({ text: text.trim() });
}

/** `sha256=<hex>` of the body with the subscription's secret, as GitHub signs its webhooks. */
export function hookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
