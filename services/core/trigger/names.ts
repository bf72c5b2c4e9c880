/** A GitHub account name: letters, digits and single hyphens, at most 39 characters. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A repository name: letters, digits, `.`, `_`, `-`, at most 100, and never `.` or `..`. */
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Whether `owner/name` can be a GitHub repository, checked before any GitHub call is made
 * with it (a name such as `../x` would otherwise reach another API path). Pure.
 */
export function isRepoName(owner: unknown, name: unknown): boolean {
  return (
    typeof owner === 'string' &&
    typeof name === 'string' &&
    OWNER.test(owner) &&
    REPO.test(name) &&
    name !== '.' &&
    name !== '..'
  );
}
