import type { Scope } from '../../core/auth/principal.js';

/** A personal API token as stored: never the token itself, only the hash of its secret part. */
export interface PersonalToken {
  /** Public part of the token (`slw_<id>_<secret>`), also its handle for revocation. */
  id: string;
  /** GitHub login of the person who made it; the token acts as them. */
  owner: string;
  /** A person's label for it ("laptop CLI"). */
  name: string;
  scopes: Scope[];
  /** sha-256 (hex) of the secret part; compared in constant time. */
  secretHash: string;
  createdAt: string;
}

/**
 * Personal API tokens of signed-in people.
 *
 * Callers: the receiver's token routes `create`, `list` (a person's own) and `revoke`; the
 * principal resolver `get`s the token a bearer names, on every API request. Tokens do not
 * expire by themselves; a revoked one is gone at once (the audit log keeps that it was).
 * Must tolerate: `revoke` of a token that is gone or that belongs to someone else (false,
 * nothing changed); concurrent creators.
 */
export interface PersonalTokens {
  create(token: PersonalToken): Promise<void>;
  get(id: string): Promise<PersonalToken | undefined>;
  /** The owner's tokens, oldest first. */
  list(owner: string): Promise<PersonalToken[]>;
  /** Removes the owner's token `id`; false when the owner has no such token. */
  revoke(owner: string, id: string): Promise<boolean>;
}
