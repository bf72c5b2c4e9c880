/**
 * A `reports:` glob as a regular expression over workspace-relative paths, written so that
 * both JavaScript and POSIX extended regular expressions (busybox `grep -E`) read it alike:
 * `*` is any characters within a directory, `**` any directories (`a/**` + `/b` also matches
 * `a/b`), `?` one character; every other character is itself.
 */
export function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (/[A-Za-z0-9_/-]/.test(c)) out += c;
    // Bracketed, one character is itself in both dialects; the three a bracket cannot hold match any one character.
    else out += c === '^' || c === '\\' || c === ']' ? '.' : `[${c}]`;
  }
  return `^${out}$`;
}

/**
 * The directory a glob's matches are all under (`build/junit/*.xml` → `build/junit`), `.` when
 * it starts with a pattern.
 */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (/[*?]/.test(part)) break;
    fixed.push(part);
  }
  return fixed.length > 0 ? fixed.join('/') : '.';
}
