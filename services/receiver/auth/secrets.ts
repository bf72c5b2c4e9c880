import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** sha-256 of a text, hex. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A random, URL-safe secret of `bytes` bytes. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Compares two texts in time that does not depend on where they differ (both are hashed
 * first, so their lengths leak nothing either).
 */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const TOKEN = /^slw_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** A new personal token: what the person is shown once, and what is stored (the id and the secret's hash). */
export function newPersonalToken(): { token: string; id: string; secretHash: string } {
  const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomSecret(32);
  return { token: `slw_${id}_${secret}`, id, secretHash: sha256(secret) };
}

/** The id and secret of a presented personal token, or undefined when it is not one. */
export function parsePersonalToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}
