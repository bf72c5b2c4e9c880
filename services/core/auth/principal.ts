/** What a personal token (or a session, or the operator's token) may be used for. */
export const SCOPES = ['read', 'approve', 'trigger', 'cancel', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The operator's `SLIPWAY_API_TOKEN`: automation may read, trigger, cancel and administer,
 * but never approve or reject. An approval is always a named, authenticated person.
 */
export const OPERATOR_SCOPES: readonly Scope[] = ['read', 'trigger', 'cancel', 'admin'];

/** Who is asking, as resolved once per request (see services/receiver/auth/). Pure data. */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      /** The GitHub login, as GitHub's `GET /user` said at sign-in; never taken from a request body. */
      login: string;
      /** A browser session (cookie) or a personal API token (`Authorization: Bearer slw_…`). */
      via: 'session' | 'token';
      scopes: readonly Scope[];
      /** The personal token's id, when `via` is `token`. */
      tokenId?: string;
    }
  | { kind: 'operator'; scopes: readonly Scope[] };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.kind !== 'anonymous' && principal.scopes.includes(scope);
}

/** The name an audit entry records for a principal: the login, `operator` or `anonymous`. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.login : principal.kind;
}

/**
 * The scopes of a signed-in person: everything but `admin`, which only the operator's list
 * of Slipway admins (`SLIPWAY_ADMINS`) has.
 */
export function sessionScopes(login: string, admins: readonly string[]): Scope[] {
  const isAdmin = admins.some((a) => a.toLowerCase() === login.toLowerCase());
  return SCOPES.filter((s) => s !== 'admin' || isAdmin);
}
