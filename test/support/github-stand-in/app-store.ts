import { randomBytes, verify } from 'node:crypto';

/** GitHub Apps the stand-in knows, their installations, and the installation tokens it issued. */
export class AppStore {
  private readonly apps = new Map<string, { publicKey: string; installations: Set<number> }>();
  private readonly tokens = new Map<string, number>();
  /** How many installation tokens were issued, for tests. */
  issued = 0;

  register(appId: string, publicKeyPem: string, installationId: number): void {
    const app = this.apps.get(appId) ?? { publicKey: publicKeyPem, installations: new Set<number>() };
    app.publicKey = publicKeyPem;
    app.installations.add(installationId);
    this.apps.set(appId, app);
  }

  /**
   * The app a JWT proves to be (RS256 signed with its key, `iss` = app id, not expired, at
   * most 10 minutes long as GitHub requires), or why it does not.
   */
  verifyJwt(jwt: string, nowSeconds: number): { appId: string } | { error: string } {
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return { error: 'A JSON web token could not be decoded' };
    let claims: { iss?: string | number; exp?: number; iat?: number };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { error: 'A JSON web token could not be decoded' };
    }
    const app = this.apps.get(String(claims.iss));
    if (!app) return { error: `Integration not found` };
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return { error: 'A JSON web token could not be decoded' };
    if (!claims.exp || claims.exp < nowSeconds)
      return {
        error:
          "'Expiration time' claim ('exp') must be a numeric value " +
          'representing the future time at which the assertion expires',
      };
    if (!claims.iat || claims.exp - claims.iat > 600)
      return { error: "'Expiration time' claim ('exp') is too far in the future" };
    return { appId: String(claims.iss) };
  }

  hasInstallation(appId: string, installationId: number): boolean {
    return this.apps.get(appId)?.installations.has(installationId) ?? false;
  }

  /** A new installation token, valid for an hour. */
  issue(nowMs: number): { token: string; expiresAt: string } {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expires = nowMs + 3_600_000;
    this.tokens.set(token, expires);
    this.issued += 1;
    return { token, expiresAt: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Whether a token is an installation token this stand-in issued and that has not expired. */
  isValidToken(token: string, nowMs: number): boolean {
    const expires = this.tokens.get(token);
    return expires !== undefined && expires > nowMs;
  }
}
