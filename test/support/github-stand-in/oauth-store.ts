import { randomBytes } from 'node:crypto';

/** A code handed out by the authorize page, waiting to be exchanged (once, within 10 minutes). */
interface PendingCode {
  login: string;
  clientId: string;
  redirectUri: string | undefined;
  expiresAt: number;
}

/**
 * The stand-in's OAuth side: registered OAuth apps (client id and secret), the login the
 * authorize page signs in as, codes waiting to be exchanged, user tokens it issued (accepted
 * by the REST API as that user), and which repositories are public.
 */
export class OAuthStore {
  private readonly clients = new Map<string, string>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly tokens = new Map<string, string>();
  private readonly publicRepos = new Set<string>();
  /** The login the authorize page signs in as without asking; undefined: it shows a chooser. */
  chosenLogin: string | undefined;
  /** How many user tokens were issued. */
  issued = 0;

  registerClient(clientId: string, clientSecret: string): void {
    this.clients.set(clientId, clientSecret);
  }

  hasClient(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  secretMatches(clientId: string, secret: string): boolean {
    return this.clients.get(clientId) === secret;
  }

  issueCode(login: string, clientId: string, redirectUri: string | undefined, nowMs: number): string {
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { login, clientId, redirectUri, expiresAt: nowMs + 600_000 });
    return code;
  }

  /** Takes a code (it is good once): its pending grant, or undefined when unknown, used or expired. */
  takeCode(code: string, nowMs: number): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending && pending.expiresAt > nowMs ? pending : undefined;
  }

  issueToken(login: string): string {
    const token = `gho_${randomBytes(18).toString('hex')}`;
    this.tokens.set(token, login);
    this.issued += 1;
    return token;
  }

  /** The user a token issued here belongs to. */
  loginOf(token: string): string | undefined {
    return this.tokens.get(token);
  }

  setPublic(owner: string, repo: string, isPublic: boolean): void {
    const key = `${owner}/${repo}`.toLowerCase();
    if (isPublic) this.publicRepos.add(key);
    else this.publicRepos.delete(key);
  }

  isPublic(owner: string, repo: string): boolean {
    return this.publicRepos.has(`${owner}/${repo}`.toLowerCase());
  }
}
