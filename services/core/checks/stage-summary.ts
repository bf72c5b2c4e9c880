import type { BuildRecord, StageRecord, StepRecord } from '../builds/record.js';
import { codeBlock, inlineText } from './escape-markdown.js';
import { testReportMarkdown } from './test-report.js';

/** Where a check run's Markdown links to: the build's page and each step's log, on Slipway's dashboard. */
export interface CheckLinks {
  build: string;
  stepLog: (stepKey: string) => string;
}

const ICONS: Record<string, string> = {
  queued: '⏳',
  waiting: '⏸️',
  running: '🔄',
  success: '✅',
  failure: '❌',
  error: '⚠️',
  skipped: '⏭️',
  cancelled: '🚫',
};

/**
 * A stage's Markdown summary: the build and where to see it, the waiting reason, a table of
 * its steps (state, duration, node), and, for each step that failed, its last log lines.
 */
export function stageSummary(
  record: BuildRecord,
  stage: StageRecord,
  links: CheckLinks,
  logTails: Readonly<Record<string, readonly string[]>>,
): string {
  const { repo, sha } = record.request;
  const parts = [
    `Build [${inlineText(record.id)}](${links.build}) of ${inlineText(`${repo.owner}/${repo.name}`)} ` +
      `at \`${sha.slice(0, 7)}\` (${inlineText(record.request.ref)}).`,
  ];
  if (stage.description)
    parts.push(`**${stage.state === 'waiting' ? 'Waiting' : 'Note'}:** ${inlineText(stage.description)}`);
  const gate = record.gate;
  if (gate?.stage === stage.name && gate.state === 'pending')
    parts.push(
      `**Manual test:** <${gate.url}>${gate.instructions ? `\n\n${inlineText(gate.instructions)}` : ''}\n\n` +
        'Comment `/pass` or `/fail <reason>` on the pull request, or use the build page.',
    );
  if (stage.steps.length > 0) {
    parts.push(
      [
        '| Step | State | Duration | Node |',
        '| --- | --- | --- | --- |',
        ...stage.steps.map(
          (s) =>
            `| [${inlineText(s.name)}](${links.stepLog(s.key)}) | ${ICONS[s.state] ?? ''} ${s.state}${
              s.exitCode !== undefined && s.state !== 'success' ? ` (exit ${s.exitCode})` : ''
            } | ${duration(s)} | ${inlineText(s.node ?? '')} |`,
        ),
      ].join('\n'),
    );
  }
  for (const step of stage.steps.filter((s) => s.state === 'failure' || s.state === 'error')) {
    const tail = logTails[step.key] ?? [];
    const why = step.reason ?? (step.exitCode !== undefined ? `exit code ${step.exitCode}` : step.state);
    parts.push(
      `### ${inlineText(step.name)}: ${inlineText(why)}\n\n` +
        (tail.length > 0
          ? `Last ${tail.length} lines ([full log](${links.stepLog(step.key)})):\n\n${codeBlock(tail)}`
          : `[Log](${links.stepLog(step.key)})`),
    );
  }
  for (const step of stage.steps) {
    const tests = testReportMarkdown(step);
    if (tests) parts.push(tests);
  }
  return parts.join('\n\n');
}

/** How long a step ran, or nothing when it did not both start and end. */
export function duration(step: Pick<StepRecord, 'startedAt' | 'finishedAt'>): string {
  if (!step.startedAt || !step.finishedAt) return '';
  const ms = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m ${total % 60}s`;
}
