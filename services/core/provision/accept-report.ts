import type { BootstrapReport } from './bootstrap-script.js';

/** What the manager recorded when it asked for a node: compared with what the node reports. */
export interface ProvisionRecord {
  requestId: string;
  labels: Record<string, string>;
}

export type ReportDecision =
  | { action: 'label'; nodeId: string; labels: Record<string, string> }
  | { action: 'failed'; reason: string }
  | { action: 'refuse'; reason: string };

const NODE_ID = /^[0-9a-z]{25}$/;

/**
 * Decides what a bootstrap report (unvalidated JSON from the callback; the HTTP layer has
 * checked its bearer token) means for the request on record: label the node that joined with
 * the labels the manager asked for, give the request up with the node's reason, or refuse a
 * report that does not match (another request's, a node claiming other labels, a malformed
 * node id): it then changes nothing. The labels applied are always the record's.
 */
export function acceptReport(report: unknown, record: ProvisionRecord): ReportDecision {
  if (report === null || typeof report !== 'object') return { action: 'refuse', reason: 'the report is not an object' };
  const r = report as Partial<Record<keyof BootstrapReport | 'nodeId' | 'labels' | 'phase' | 'error', unknown>>;
  if (r.requestId !== record.requestId)
    return { action: 'refuse', reason: `the report is for request ${JSON.stringify(r.requestId)}` };
  if (r.status === 'failed') {
    const phase = typeof r.phase === 'string' ? r.phase : 'unknown';
    const error = typeof r.error === 'string' && r.error ? r.error : 'no reason given';
    return { action: 'failed', reason: `the node's bootstrap failed (${phase}): ${error}` };
  }
  if (r.status !== 'joined') return { action: 'refuse', reason: `unknown status ${JSON.stringify(r.status)}` };
  if (typeof r.nodeId !== 'string' || !NODE_ID.test(r.nodeId))
    return { action: 'refuse', reason: 'the report names no swarm node id' };
  if (!sameLabels(r.labels, record.labels))
    return { action: 'refuse', reason: 'the node reports labels other than those asked for' };
  return { action: 'label', nodeId: r.nodeId, labels: { ...record.labels } };
}

function sameLabels(reported: unknown, asked: Record<string, string>): boolean {
  if (reported === null || typeof reported !== 'object') return false;
  const entries = Object.entries(reported as Record<string, unknown>);
  return entries.length === Object.keys(asked).length && entries.every(([k, v]) => asked[k] === v);
}
