import type { CommitStatus, SpecEvent, StageEvent } from './types.js';

/** GitHub refuses longer descriptions. */
export const MAX_DESCRIPTION = 140;

/** Where a build's statuses link to, in Slipway's own HTTP API. */
export interface StatusLinks {
  build: string;
  stepLog: (stepKey: string) => string;
}

/** The status context of a stage: `slipway/test`. */
export function contextFor(stage: string): string {
  return `slipway/${stage}`;
}

export function truncate(text: string, max = MAX_DESCRIPTION): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= max) return oneLine;
  // GitHub counts characters; never cut a character made of two UTF-16 units in half.
  let cut = max - 1;
  const code = oneLine.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${oneLine.slice(0, cut)}…`;
}

/** Maps a stage event to the commit status that tells a developer about it. Pure. */
export function stageStatus(event: StageEvent | SpecEvent, links: StatusLinks): CommitStatus {
  const context = contextFor(event.stage);
  const status = (state: CommitStatus['state'], description: string, url = links.build): CommitStatus => ({
    context,
    state,
    description: truncate(description),
    target_url: url,
  });
  switch (event.state) {
    case 'queued':
      return status('pending', 'Queued');
    case 'running':
      return status('pending', 'Running');
    case 'waiting':
      return status('pending', `Waiting: ${event.reason}`);
    case 'cancelled':
      // A superseded build is not a failure: its commit was replaced. GitHub statuses have no
      // neutral state, and error would turn the commit (and a pull request showing it) red.
      if (event.reason.startsWith('superseded by')) return status('success', `Not run to the end: ${event.reason}`);
      return status('error', `Cancelled: ${event.reason}`);
    case 'refused':
      return status('failure', event.reason);
    case 'verified':
      return status(event.verified ? 'success' : 'pending', event.reason);
    case 'check':
      return status(event.result, event.reason);
    case 'success':
      if (event.reason) return status('success', event.reason);
      return status(
        'success',
        `${event.steps} step${event.steps === 1 ? '' : 's'} passed in ${seconds(event.durationMs)}`,
      );
    case 'failure':
      if ('summary' in event) return status('failure', event.summary);
      return status(
        'failure',
        event.reason
          ? `Step "${event.step}" ${event.reason}`
          : `Step "${event.step}" failed with exit code ${event.exitCode}`,
        links.stepLog(event.stepKey),
      );
    case 'error':
      if ('summary' in event) return status('error', event.summary);
      return status(
        'error',
        event.step ? `Step "${event.step}" could not run: ${event.reason}` : event.reason,
        event.stepKey ? links.stepLog(event.stepKey) : links.build,
      );
    case 'skipped':
      return status(
        event.blockedState,
        `Not run: ${event.blockedBy} ${event.blockedState === 'failure' ? 'failed' : 'had an error'}`,
      );
  }
}

function seconds(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m ${total % 60}s`;
}
