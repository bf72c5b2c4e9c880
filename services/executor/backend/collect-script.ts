import { globBase, globToRegExp } from '../../core/artifacts/glob.js';
import type { FileSet } from './types.js';

/** Marks the collector's own lines in its log; everything else between a set's marks is its base64 tar. */
export const MARK = '@@slipway';

/**
 * The busybox script of the job that takes files from a workspace: per set, the files its
 * paths name (`find -type f`: links are never followed) or its globs match, each size
 * checked against the set's limits, then — only when all fit — the archive's size and
 * `tar | base64` of them, between marks, on stdout (read back by `CollectorLogReader`).
 * Nothing in it is interpolated unquoted: paths and patterns are quoted.
 */
export function collectScript(sets: readonly FileSet[], workspace = '/workspace'): string {
  const lines = ['set -u', `cd ${quote(workspace)} || exit 70`, 'L=/tmp/slipway-files', 'R=/tmp/slipway-paths'];
  for (const set of sets) {
    lines.push(': > "$L"');
    if (set.globs) {
      const bases = [...new Set(set.paths.map(globBase))];
      const pattern = set.paths.map((p) => `(${globToRegExp(p).slice(1, -1)})`).join('|');
      lines.push(
        `for b in ${bases.map(quote).join(' ')}; do [ -d "$b" ] && find "$b" -type f; done |` +
          ` sed 's|^\\./||' | grep -E ${quote(`^(${pattern})$`)} >> "$L"`,
      );
      for (const p of set.paths)
        lines.push(`grep -qE ${quote(globToRegExp(p))} "$L" || echo "${MARK} missing "${quote(p)}`);
    } else {
      lines.push(': > "$R"');
      for (const p of set.paths)
        lines.push(
          `if [ -e ${quote(p)} ]; then find ${quote(p)} -type f >> "$L"; echo ${quote(p)} >> "$R"; ` +
            `else echo "${MARK} missing "${quote(p)}; fi`,
        );
    }
    // A raw set is archived as its paths are (links, modes, empty directories); the others file by file.
    const list = set.raw && !set.globs ? '"$R"' : '"$L"';
    lines.push(
      'sort -u "$L" -o "$L"',
      `echo "${MARK} set "${quote(set.name)}`,
      't=0; over=0',
      'while IFS= read -r f; do s=$(wc -c < "$f"); t=$((t+s));' +
        ` if [ "$s" -gt ${set.maxFileBytes} ]; then echo "${MARK} too-big $s $f"; over=1; fi; done < "$L"`,
      `[ "$t" -gt ${set.maxTotalBytes} ] && over=1`,
      // busybox tar has no -T: the list becomes the arguments, one a line (names may hold spaces).
      `if [ "$over" = 0 ] && [ -s ${list} ]; then set --; while IFS= read -r f; do set -- "$@" "$f"; done < ${list};` +
        ' tar cf /tmp/slipway-files.tar -- "$@" || exit 71;' +
        // The archive's size first: the reader decodes into one buffer of it, not into pieces.
        ` echo "${MARK} tar" $(wc -c < /tmp/slipway-files.tar); base64 /tmp/slipway-files.tar; fi`,
      `echo "${MARK} end "${quote(set.name)}" $t"`,
    );
  }
  return lines.join('\n');
}

/** The script of the job that restores a tar, given in parts as files, into the workspace. */
export function restoreScript(parts: readonly string[], workspace = '/workspace'): string {
  return [
    'set -e',
    `cat ${parts.map(quote).join(' ')} | tar xf - -C ${quote(workspace)}`,
    `echo "${MARK} restored"`,
  ].join('\n');
}

export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
