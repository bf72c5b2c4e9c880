import { globBase, globToRegExp } from '../artifacts/glob.js';
import { hashId } from '../buildspec/cache-templates.js';
import type { LogLine } from '../builds/log-line.js';
import { shellQuote } from './compile-step.js';

/** Marks the checkout's hash lines in its log: `@@slipway hash <hex or -> <id>`. */
const MARK = '@@slipway hash ';

/**
 * The busybox lines the checkout ends with: per glob list of a `hashFiles(...)`, the regular
 * files of the workspace its globs match (links not followed, `.git` left out), in path
 * order, each file's sha-256, and the sha-256 of that list of digests; `-` when nothing
 * matches (the key then has an empty hash, as on GitHub). Quoted throughout.
 */
export function hashFilesScript(lists: readonly string[][], workspace: string): string {
  // The fake backend's workspace is a folder it names in $SLIPWAY_WORKSPACE.
  const lines = [`cd "\${SLIPWAY_WORKSPACE:-${workspace}}"`];
  for (const globs of lists) {
    const bases = [...new Set(globs.map(globBase))];
    const pattern = `^(${globs.map((g) => `(${globToRegExp(g).slice(1, -1)})`).join('|')})$`;
    lines.push(
      `h=$(for b in ${bases.map(shellQuote).join(' ')}; do [ -d "$b" ] && find "$b" -type f; done |` +
        ` sed 's|^\\./||' | grep -v '^\\.git/' | grep -E ${shellQuote(pattern)} | LC_ALL=C sort -u |` +
        ' while IFS= read -r f; do sha256sum "$f" | cut -c1-64; done)',
      `if [ -n "$h" ]; then d=$(printf '%s\\n' "$h" | sha256sum | cut -c1-64); else d=-; fi`,
      `echo "${MARK}$d "${shellQuote(hashId(globs))}`,
    );
  }
  return lines.join('\n');
}

/** The hashes the checkout printed (by `hashId`; empty for no match), and its log without them. */
export function takeFileHashes(lines: readonly LogLine[]): { log: LogLine[]; hashes: Record<string, string> } {
  const hashes: Record<string, string> = {};
  const log: LogLine[] = [];
  for (const line of lines) {
    if (line.stream === 'stdout' && line.text.startsWith(MARK)) {
      const rest = line.text.slice(MARK.length);
      const space = rest.indexOf(' ');
      const digest = rest.slice(0, space);
      hashes[rest.slice(space + 1)] = digest === '-' ? '' : digest;
    } else log.push(line);
  }
  return { log, hashes };
}
