import { globBase, globToRegExp } from '../../core/artifacts/glob.js';
import { readTar } from '../../core/artifacts/tar.js';
import type { LogLine } from '../../core/builds/log-line.js';
import type { CollectedSet, CollectResult, FileSet } from './types.js';

/** Marks the collector's own lines in its log; everything else between a set's marks is its base64 tar. */
const MARK = '@@slipway';

/**
 * The busybox script of the job that takes files from a workspace: per set, the files its
 * paths name (`find -type f`: links are never followed) or its globs match, each size
 * checked against the set's limits, then — only when all fit — `tar | base64` of them, between
 * marks, on stdout. Nothing in it is interpolated unquoted: paths and patterns are quoted.
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
        ' tar cf /tmp/slipway-files.tar -- "$@" || exit 71; base64 /tmp/slipway-files.tar; fi',
      `echo "${MARK} end "${quote(set.name)}" $t"`,
    );
  }
  return lines.join('\n');
}

/** Reads the collector's log back into its sets; a set whose end mark is missing means the log was cut. */
export function parseCollected(lines: readonly LogLine[], sets: readonly FileSet[]): CollectResult {
  const out: CollectedSet[] = [];
  let current: { set: CollectedSet; base64: string[] } | undefined;
  const missing: string[] = [];
  const stderr: string[] = [];
  for (const { text, stream } of lines) {
    if (stream === 'stderr') {
      stderr.push(text);
      continue;
    }
    if (!text.startsWith(MARK)) {
      if (current) current.base64.push(text.trim());
      continue;
    }
    const [, kind = '', ...rest] = text.split(' ');
    if (kind === 'missing') missing.push(rest.join(' '));
    else if (kind === 'set') {
      current = {
        set: { name: rest.join(' '), files: [], missing: missing.splice(0), tooBig: [], totalBytes: 0 },
        base64: [],
      };
    } else if (kind === 'too-big' && current) {
      const [size = '0', ...path] = rest;
      current.set.tooBig.push({ path: path.join(' '), size: Number(size) });
    } else if (kind === 'end' && current) {
      current.set.totalBytes = Number(rest.at(-1) ?? 0);
      const data = current.base64.join('');
      if (data && sets.find((s) => s.name === current!.set.name)?.raw) {
        current.set.archive = Buffer.from(data, 'base64');
      } else if (data) {
        const tar = readTar(Buffer.from(data, 'base64'));
        if (!tar.ok)
          return { ok: false, reason: `the files of ${current.set.name} came back unreadable: ${tar.error}` };
        current.set.files = tar.files;
      }
      out.push(current.set);
      current = undefined;
    }
  }
  if (out.length !== sets.length) {
    const why = stderr.slice(-3).join(' / ') || 'its log ended early';
    return { ok: false, reason: `the files could not be read from the workspace (${why})` };
  }
  return { ok: true, sets: out };
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
