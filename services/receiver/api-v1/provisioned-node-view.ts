import { ranForSeconds, startReason, type ProvisionRecord } from '../../core/provision/provision-record.js';

/** A provisioned node as `GET /api/v1/status` and the dashboard show it (`Status.provisionedNodes`). */
export interface ProvisionedNodeView {
  id: string;
  provisioner: string;
  labels: Record<string, string>;
  state: ProvisionRecord['state'];
  reason: string;
  buildId?: string;
  node?: string;
  requestedAt: string;
  joinedAt?: string;
  endedAt?: string;
  ranForSeconds: number;
  failure?: string;
}

/** The records as people may see them: a build they may not read is not named. */
export function provisionedNodeViews(
  records: readonly ProvisionRecord[],
  readable: ReadonlySet<string>,
  now: Date,
): ProvisionedNodeView[] {
  return records.map((r) => {
    const shown = r.reason.buildId !== undefined && readable.has(r.reason.buildId);
    const reason = shown
      ? startReason(r)
      : startReason({
          reason: {
            service: 'a build you may not read',
            wanted: r.reason.wanted,
            ...(r.reason.full ? { full: true } : {}),
          },
        }).replace(/^service /, '');
    return {
      id: r.id,
      provisioner: r.provisioner,
      labels: r.labels,
      state: r.state,
      reason,
      ...(shown ? { buildId: r.reason.buildId! } : {}),
      ...(r.hostname ? { node: r.hostname } : {}),
      requestedAt: r.requestedAt,
      ...(r.joinedAt ? { joinedAt: r.joinedAt } : {}),
      ...(r.endedAt ? { endedAt: r.endedAt } : {}),
      ranForSeconds: ranForSeconds(r, now),
      ...(r.failure ? { failure: r.failure } : {}),
    };
  });
}
