import { parseAnnotations } from '../core/checks/parse-annotations.js';
import type { CheckAnnotation } from '../core/checks/types.js';
import type { LogLine } from '../core/builds/log-line.js';

const BEGIN = '@@slipway annotations';
const END = '@@slipway annotations end';
/** The most annotations a step's record keeps, and the longest message. */
const MAX_ANNOTATIONS = 500;
const MAX_MESSAGE = 2_000;

/**
 * The step's script with `$SLIPWAY_ANNOTATIONS` set to a file of its own (in the container's
 * /tmp, never the workspace) and, after the script, whatever the step wrote there printed
 * between marks, so the annotations come back with the log and need no job of their own. The
 * script runs in a subshell, so its `exit` and `set -e` end only it; its exit code is kept.
 */
export function withAnnotations(script: string): string {
  return [
    'SLIPWAY_ANNOTATIONS="$(mktemp 2>/dev/null || echo /tmp/slipway-annotations)"; export SLIPWAY_ANNOTATIONS',
    '(',
    script,
    ')',
    'slipway_rc=$?',
    `if [ -s "$SLIPWAY_ANNOTATIONS" ]; then echo '${BEGIN}'; cat "$SLIPWAY_ANNOTATIONS"; echo; echo '${END}'; fi`,
    'exit $slipway_rc',
  ].join('\n');
}

/**
 * Takes the annotations a step printed (see `withAnnotations`) out of its log: the log
 * without them, and what they say as check run annotations (`path:line:col: level: message`),
 * their texts passed through `mask` (the build's secrets hidden) before a message is cut.
 */
export function takeAnnotations(
  lines: readonly LogLine[],
  mask: (text: string) => string = (text) => text,
): { log: LogLine[]; annotations: CheckAnnotation[] } {
  const begin = lines.findLastIndex((l) => l.stream === 'stdout' && l.text === BEGIN);
  const end = begin < 0 ? -1 : lines.findIndex((l, i) => i > begin && l.stream === 'stdout' && l.text === END);
  if (begin < 0 || end < 0) return { log: [...lines], annotations: [] };
  const text = lines
    .slice(begin + 1, end)
    .filter((l) => l.stream === 'stdout')
    .map((l) => l.text)
    .join('\n');
  // Masked whole, then cut: a cut first could leave the start of a secret that no longer matches.
  const annotations = parseAnnotations(text, MAX_ANNOTATIONS).map((a) => ({
    ...a,
    path: mask(a.path),
    message: mask(a.message).slice(0, MAX_MESSAGE),
    ...(a.title !== undefined ? { title: mask(a.title) } : {}),
  }));
  return { log: [...lines.slice(0, begin), ...lines.slice(end + 1)], annotations };
}

/**
 * For the live log: a filter that hides the annotation block (see `withAnnotations`) as its
 * lines stream in, batch by batch, so people following a step never see lines the stored log
 * will not have. Stateful: one per followed step.
 */
export function hideAnnotationsLive(): (lines: readonly LogLine[]) => LogLine[] {
  let inside = false;
  return (lines) =>
    lines.filter((l) => {
      if (l.stream !== 'stdout') return !inside;
      if (!inside && l.text === BEGIN) inside = true;
      else if (inside && l.text === END) inside = false;
      else return !inside;
      return false;
    });
}
