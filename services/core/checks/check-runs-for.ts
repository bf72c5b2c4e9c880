import type { BuildRecord, StageRecord } from '../builds/record.js';
import { formatIssue } from '../buildspec/format-issues.js';
import { contextFor, truncate } from '../status/stage-status.js';
import { specAnnotations } from './spec-annotations.js';
import { stageConclusion } from './stage-conclusion.js';
import { stageSummary, type CheckLinks } from './stage-summary.js';
import { testAnnotations } from './test-report.js';
import { CHECK_LIMITS, type CheckAnnotation, type CheckRunDraft } from './types.js';

export type { CheckLinks } from './stage-summary.js';

/** What the reporter read beside the record: the failing steps' last log lines and the steps' own annotations. */
export interface CheckRunExtras {
  links: CheckLinks;
  /** By step key: the last lines (at most 50) of each failed step's log. */
  logTails?: Readonly<Record<string, readonly string[]>>;
  /** By step key: the annotations the step wrote to `$SLIPWAY_ANNOTATIONS`. */
  stepAnnotations?: Readonly<Record<string, readonly CheckAnnotation[]>>;
}

/** How many log lines of a failed step a summary shows. */
export const LOG_TAIL_LINES = 50;

/** The name a stage goes by on GitHub: `test`, or `deploy/staging` for an environment's deploy. */
export function stageLabelOf(stage: Pick<StageRecord, 'name' | 'environment'>): string {
  return stage.environment ? `${stage.name}/${stage.environment}` : stage.name;
}

/**
 * The check runs a build shows on its commit, as they should look now: one per stage (a
 * deploy's named after its environment), or, for a spec that could not be used, one
 * `slipway/spec` run with every problem as an annotation on `.buildspec.yml`. Pure.
 */
export function checkRunsFor(record: BuildRecord, extras: CheckRunExtras): CheckRunDraft[] {
  const base = { headSha: record.request.sha, externalId: record.id, detailsUrl: extras.links.build };
  if (record.specIssues || record.specError) {
    const issues = record.specIssues ?? [];
    return [
      {
        ...base,
        name: contextFor('spec'),
        status: 'completed',
        conclusion: 'failure',
        startedAt: record.createdAt,
        completedAt: record.finishedAt ?? record.createdAt,
        output: {
          title: issues.length
            ? `${issues.length} problem${issues.length === 1 ? '' : 's'} in .buildspec.yml`
            : title(record.specError ?? 'The spec could not be used'),
          summary: clip(
            issues.length
              ? [
                  'The build did not run: `.buildspec.yml` has problems.',
                  '',
                  ...issues.map((i) => `- ${formatIssue(i)}`),
                ].join('\n')
              : (record.specError ?? ''),
          ),
        },
        annotations: specAnnotations(issues),
        actions: [],
      },
    ];
  }
  return record.stages.map((stage) => {
    const { status, conclusion, actions } = stageConclusion(record, stage);
    const starts = stage.steps
      .map((s) => s.startedAt)
      .filter((t): t is string => !!t)
      .sort();
    const ends = stage.steps
      .map((s) => s.finishedAt)
      .filter((t): t is string => !!t)
      .sort();
    const completedAt =
      status === 'completed' ? (ends.at(-1) ?? record.finishedAt ?? starts[0] ?? record.createdAt) : undefined;
    return {
      ...base,
      name: contextFor(stageLabelOf(stage)),
      status,
      ...(conclusion ? { conclusion } : {}),
      ...(starts[0] ? { startedAt: starts[0] } : {}),
      ...(completedAt ? { completedAt } : {}),
      output: {
        title: title(stageTitle(stage, conclusion ?? status)),
        summary: clip(stageSummary(record, stage, extras.links, extras.logTails ?? {})),
      },
      annotations: stage.steps.flatMap((s) => [
        ...testAnnotations(s),
        ...(s.annotations ?? []),
        ...(extras.stepAnnotations?.[s.key] ?? []),
      ]),
      actions,
    };
  });
}

/** A stage run's one-line title, from what happened. */
function stageTitle(stage: StageRecord, outcome: string): string {
  const failed = stage.steps.find((s) => s.state === 'failure' || s.state === 'error');
  const why =
    failed &&
    (failed.reason ?? (failed.exitCode !== undefined ? `failed with exit code ${failed.exitCode}` : failed.state));
  switch (outcome) {
    case 'queued':
      return 'Queued';
    case 'in_progress':
      return stage.state === 'waiting' ? `Waiting: ${stage.description ?? ''}` : 'Running';
    case 'action_required':
      return `Waiting ${stage.description ?? 'for approval'}`;
    case 'success': {
      const n = stage.steps.length;
      return `${n} step${n === 1 ? '' : 's'} passed`;
    }
    case 'neutral':
      return `Passed; allowed to fail: ${stage.steps
        .filter((s) => s.state === 'failure')
        .map((s) => s.name)
        .join(', ')}`;
    case 'failure':
    case 'timed_out':
      return failed ? `${failed.name}: ${why}` : (stage.description ?? 'Failed');
    case 'cancelled': {
      const why = stage.description ?? stage.steps.find((s) => s.state === 'cancelled' && s.reason)?.reason;
      return `Cancelled: ${why ?? 'cancelled'}`;
    }
    case 'skipped':
      return `Not run: ${(stage.description ?? '').replace(/^not run: /, '')}`;
    default:
      return stage.state;
  }
}

function title(text: string): string {
  return truncate(text, CHECK_LIMITS.title);
}

/** GitHub refuses a longer summary: keep the start and say what was cut. */
function clip(summary: string): string {
  if (summary.length <= CHECK_LIMITS.summary) return summary;
  const note = '\n\n… (cut: the summary is longer than GitHub shows)';
  return summary.slice(0, CHECK_LIMITS.summary - note.length) + note;
}
