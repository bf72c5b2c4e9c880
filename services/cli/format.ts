/**
 * Output for people: builds as aligned columns, one build as a short report, durations as
 * `1m 05s`. Scripts use `--json`, which prints the API's answer as it is; these only read
 * the fields they show and tolerate any that are missing.
 */

/** What a list row and a build report read of the API's builds (contract C's BuildSummary and full build). */
export interface BuildView {
  id: string;
  repo?: string;
  branch?: string;
  ref?: string;
  pr?: number;
  sha?: string;
  state?: string;
  trigger?: string;
  sender?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  rerunOf?: string | { buildId?: string };
  request?: { repo?: { owner: string; name: string }; ref?: string; sha?: string; event?: string; sender?: string };
  checkout?: StepView;
  stages?: Array<{ name: string; state?: string; description?: string; steps?: StepView[] }>;
  specIssues?: Array<{ line?: number; column?: number; message?: string }>;
  specError?: string;
  approval?: { environment?: string; state?: string };
}

export interface StepView {
  key: string;
  name?: string;
  state?: string;
  exitCode?: number;
  reason?: string;
  attempt?: number;
  node?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** `65_000` → `1m 05s`; under a minute `12.3s`; hours `2h 03m`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long something ran: start to end, or to `now` while it runs; empty when it has not started. */
export function took(startedAt: string | undefined, finishedAt: string | undefined, now: number): string {
  if (!startedAt) return '';
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return duration(end - Date.parse(startedAt)) + (finishedAt ? '' : ' so far');
}

/** Rows as columns separated by two spaces, the last column unpadded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function repoOf(b: BuildView): string {
  return b.repo ?? (b.request?.repo ? `${b.request.repo.owner}/${b.request.repo.name}` : '');
}

function whereOf(b: BuildView): string {
  if (b.pr !== undefined) return `#${b.pr}`;
  const ref = b.branch ?? b.ref ?? b.request?.ref ?? '';
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** `slipway builds`: one line per build, newest first as the API gives them. */
export function buildsTable(builds: readonly BuildView[], now: number): string {
  if (builds.length === 0) return 'no builds\n';
  const rows = [['BUILD', 'STATE', 'REPOSITORY', 'BRANCH/PR', 'COMMIT', 'TRIGGER', 'BY', 'TOOK']];
  for (const b of builds) {
    rows.push([
      b.id,
      b.state ?? '',
      repoOf(b),
      whereOf(b),
      (b.sha ?? b.request?.sha ?? '').slice(0, 7),
      b.trigger ?? b.request?.event ?? '',
      b.sender ?? b.request?.sender ?? '',
      took(b.startedAt, b.finishedAt, now),
    ]);
  }
  return table(rows);
}

/** `slipway show`: the build, its stages and steps with state, exit code, attempt and time, and spec problems. */
export function buildReport(b: BuildView, now: number): string {
  const rerun = typeof b.rerunOf === 'string' ? b.rerunOf : b.rerunOf?.buildId;
  const head = [
    `build ${b.id}  ${b.state ?? ''}`,
    `  ${repoOf(b)} ${whereOf(b)} at ${b.sha ?? b.request?.sha ?? ''}`,
    `  ${b.trigger ?? b.request?.event ?? ''} by ${b.sender ?? b.request?.sender ?? ''}, created ${b.createdAt ?? ''}` +
      (b.startedAt ? `, took ${took(b.startedAt, b.finishedAt, now)}` : ''),
    ...(rerun ? [`  re-run of ${rerun}`] : []),
    ...(b.approval ? [`  approval for ${b.approval.environment ?? 'deploy'}: ${b.approval.state ?? ''}`] : []),
  ];
  const rows: string[][] = [['STAGE', 'STEP', 'STATE', 'EXIT', 'ATTEMPT', 'TOOK', 'NOTE']];
  const stepRow = (stage: string, s: StepView) => [
    stage,
    s.key,
    s.state ?? '',
    s.exitCode === undefined ? '' : String(s.exitCode),
    s.attempt === undefined ? '' : String(s.attempt),
    took(s.startedAt, s.finishedAt, now),
    s.reason ?? '',
  ];
  if (b.checkout) rows.push(stepRow('checkout', b.checkout));
  for (const stage of b.stages ?? []) {
    if (!stage.steps?.length) rows.push([stage.name, '', stage.state ?? '', '', '', '', stage.description ?? '']);
    for (const s of stage.steps ?? []) rows.push(stepRow(stage.name, s));
  }
  const problems = (b.specIssues ?? []).map((i) => `  line ${i.line ?? '?'}, column ${i.column ?? '?'}: ${i.message}`);
  return (
    `${head.join('\n')}\n\n` +
    (rows.length > 1 ? table(rows) : '') +
    (b.specError ? `\nspec: ${b.specError}\n` : '') +
    (problems.length ? `\nspec problems:\n${problems.join('\n')}\n` : '')
  );
}

/** The steps of a build in the order they run (checkout first), for `slipway logs BUILD`. */
export function stepsInOrder(b: BuildView): StepView[] {
  return [...(b.checkout ? [b.checkout] : []), ...(b.stages ?? []).flatMap((s) => s.steps ?? [])];
}
