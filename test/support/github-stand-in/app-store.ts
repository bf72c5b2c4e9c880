import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';

/** GitHub Apps the stand-in knows, their installations, and the installation tokens it issued. */
export class AppStore {
  private readonly apps = new Map<string, { publicKey: string; installations: Set<number> }>();
  private readonly tokens = new Map<string, { expires: number; installation: number }>();
  /** The repositories (`owner/repo`, lower case) of installations limited to some; absent: every repository. */
  private readonly repositories = new Map<number, Set<string>>();
  /** Who owns each installation's account, for `GET /repos/{o}/{r}/installation`. */
  private readonly accounts = new Map<number, string>();
  /** Manifest codes handed out and not yet converted: what the App will be, and until when the code works. */
  private readonly manifests = new Map<string, { manifest: ManifestApp; until: number }>();
  private nextAppId = 90_000;
  /** Apps made from manifests, by id: the manifest as GitHub received it. */
  readonly fromManifests = new Map<string, ManifestApp>();
  /** Installation tokens issued, per installation. */
  readonly issuedFor = new Map<number, number>();
  /** How many installation tokens were issued, for tests. */
  issued = 0;

  /**
   * Registers an app and one installation of it; with `repositories` (`owner/repo`), the
   * installation is limited to those, as one chosen with "Only select repositories".
   */
  register(appId: string, publicKeyPem: string, installationId: number, repositories?: string[]): void {
    const app = this.apps.get(appId) ?? { publicKey: publicKeyPem, installations: new Set<number>() };
    app.publicKey = publicKeyPem;
    app.installations.add(installationId);
    this.apps.set(appId, app);
    if (repositories) {
      this.repositories.set(installationId, new Set(repositories.map((r) => r.toLowerCase())));
      const owner = repositories[0]?.split('/')[0];
      if (owner) this.accounts.set(installationId, owner);
    }
  }

  /**
   * What GitHub does when someone creates an App from a manifest in the browser: a code for
   * the conversion, valid once for an hour.
   */
  manifestCode(manifest: ManifestApp, nowMs: number): string {
    const code = randomBytes(10).toString('hex');
    this.manifests.set(code, { manifest, until: nowMs + 3_600_000 });
    return code;
  }

  /** A manifest code as a registered App (with a new key pair), once; undefined for an unknown or spent code. */
  convertManifest(code: string, nowMs: number): (ManifestApp & ConvertedApp) | undefined {
    const entry = this.manifests.get(code);
    this.manifests.delete(code);
    if (!entry || entry.until < nowMs) return undefined;
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const appId = String(this.nextAppId++);
    this.apps.set(appId, {
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installations: new Set(),
    });
    this.fromManifests.set(appId, entry.manifest);
    return {
      ...entry.manifest,
      appId,
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      webhookSecret: randomBytes(20).toString('hex'),
      clientId: `Iv1.${randomBytes(8).toString('hex')}`,
      clientSecret: randomBytes(20).toString('hex'),
    };
  }

  /** Installs a registered app (one made from a manifest) on another installation. */
  install(appId: string, installationId: number): void {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`no app ${appId}`);
    app.installations.add(installationId);
  }

  /** Removes an installation, as uninstalling the app does: its tokens stop working. */
  uninstall(installationId: number): void {
    for (const app of this.apps.values()) app.installations.delete(installationId);
    for (const [token, entry] of this.tokens) if (entry.installation === installationId) this.tokens.delete(token);
    this.repositories.delete(installationId);
  }

  /** The installation of `appId` that covers `owner/repo`: one limited to it, else one on every repository. */
  installationFor(appId: string, owner: string, repo: string): number | undefined {
    const installations = [...(this.apps.get(appId)?.installations ?? [])];
    const full = `${owner}/${repo}`.toLowerCase();
    return (
      installations.find((i) => this.repositories.get(i)?.has(full)) ??
      installations.find((i) => !this.repositories.has(i))
    );
  }

  /** The installation of `appId` on an account (an organization or user), by the repositories it covers. */
  installationOfAccount(appId: string, login: string): number | undefined {
    const installations = [...(this.apps.get(appId)?.installations ?? [])];
    return (
      installations.find((i) => this.accounts.get(i)?.toLowerCase() === login.toLowerCase()) ??
      installations.find((i) => !this.repositories.has(i))
    );
  }

  /** The account an installation belongs to, when known. */
  accountOf(installationId: number): string | undefined {
    return this.accounts.get(installationId);
  }

  /** Whether an installation token may reach `owner/repo` (an installation limited to some repositories). */
  mayReach(installationId: number, owner: string, repo: string): boolean {
    const limited = this.repositories.get(installationId);
    return !limited || limited.has(`${owner}/${repo}`.toLowerCase());
  }

  /** The installation a valid installation token belongs to. */
  installationOf(token: string, nowMs: number): number | undefined {
    const entry = this.tokens.get(token);
    return entry && entry.expires > nowMs ? entry.installation : undefined;
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
  issue(nowMs: number, installationId: number): { token: string; expiresAt: string } {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const expires = nowMs + 3_600_000;
    this.tokens.set(token, { expires, installation: installationId });
    this.issued += 1;
    this.issuedFor.set(installationId, (this.issuedFor.get(installationId) ?? 0) + 1);
    return { token, expiresAt: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Whether a token is an installation token this stand-in issued and that has not expired. */
  isValidToken(token: string, nowMs: number): boolean {
    const entry = this.tokens.get(token);
    return entry !== undefined && entry.expires > nowMs;
  }
}

/** An App as a manifest describes it, and the account that created it. */
export interface ManifestApp {
  name: string;
  url: string;
  owner: string;
  permissions: Record<string, string>;
  events: string[];
}

/** What a manifest conversion gives back beside the manifest. */
export interface ConvertedApp {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
}
