import type { ProvisionedNodeView } from '../api-v1/provisioned-node-view.js';
import { formatDuration } from './format-time.js';
import { h, page, timeTag, type Viewer } from './html.js';
import { stateBadge } from './state-badge.js';

/**
 * `GET /nodes`: the nodes Slipway started on demand, newest first: node, provisioner, labels,
 * why it was started (a build the viewer may not read is not named), when, how long it ran,
 * its state, and for a request that brought no node, why.
 */
export function nodesPage(nodes: readonly ProvisionedNodeView[], viewer: Viewer): string {
  const rows = nodes
    .map((n) => {
      const why = n.buildId
        ? h(n.reason).replace(h(n.buildId), `<a href="/builds/${h(n.buildId)}">${h(n.buildId)}</a>`)
        : h(n.reason);
      const labels = Object.entries(n.labels)
        .map(([k, v]) => `<code>${h(k)}=${h(v)}</code>`)
        .join(' ');
      const failure = n.failure ? `<br><span class="failure">${h(n.failure)}</span>` : '';
      return [
        '<tr>',
        `<td data-label="Node">${n.node ? h(n.node) : '<em>none yet</em>'}</td>`,
        `<td data-label="Provisioner">${h(n.provisioner)}</td>`,
        `<td data-label="Labels">${labels}</td>`,
        `<td data-label="Why started">${why}${failure}</td>`,
        `<td data-label="Started">${timeTag(n.requestedAt)}</td>`,
        `<td data-label="Ran for">${n.joinedAt ? h(formatDuration(n.ranForSeconds * 1000)) : ''}</td>`,
        `<td data-label="State">${stateBadge(n.state)}</td>`,
        '</tr>',
      ].join('');
    })
    .join('');
  return page(
    'Provisioned nodes',
    [
      '<h1>Provisioned nodes</h1>',
      '<p>Nodes started on demand for steps that asked for node labels no node had; each is drained and ',
      'removed after its idle timeout. <a href="/">All builds</a></p>',
      '<table class="builds"><caption class="visually-hidden">Provisioned nodes, newest first</caption>',
      '<thead><tr><th scope="col">Node</th><th scope="col">Provisioner</th><th scope="col">Labels</th>',
      '<th scope="col">Why started</th><th scope="col">Started</th><th scope="col">Ran for</th>',
      '<th scope="col">State</th></tr></thead>',
      `<tbody>${rows || '<tr><td colspan="7">No node has been provisioned this week.</td></tr>'}</tbody></table>`,
    ].join(''),
    viewer,
  );
}
