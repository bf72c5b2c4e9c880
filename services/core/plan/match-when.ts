import type { BuildRequest } from '../builds/types.js';
import { branchOf } from '../buildspec/spec-parts.js';
import type { SpecWhen } from '../buildspec/types.js';

/**
 * Whether a step with this `when` belongs in the plan of this request: the request's event
 * is listed (when events are given) and its branch matches one of the globs (when branches
 * are given; a ref that is not a branch matches none).
 */
export function matchesWhen(when: SpecWhen | undefined, request: Pick<BuildRequest, 'event' | 'ref'>): boolean {
  if (!when) return true;
  if (when.events && !(when.events as string[]).includes(request.event)) return false;
  if (when.branches) {
    const branch = branchOf(request.ref);
    if (branch === undefined || !when.branches.some((glob) => globToRegExp(glob).test(branch))) return false;
  }
  return true;
}

/** A branch glob as a regular expression: `*` within a path segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
