import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { findApiTokenByHash, insertApiToken, type Db } from '@opensoc/db';
import { ApiError } from './errors.ts';

export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

export const hashToken = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * Creates an API token: only its sha256 is stored; the secret is returned once
 * (the CLI prints it) and cannot be recovered later.
 */
export async function createApiToken(db: Db, name: string, scopes: Scope[]): Promise<{ id: string; secret: string }> {
  if (!name.trim()) throw new Error('token name must not be empty');
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length > 0 || scopes.length === 0) throw new Error(`token scopes must be a non-empty subset of ${SCOPES.join(', ')}`);
  const id = `tok_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const secret = `osk_${randomBytes(32).toString('base64url')}`;
  await insertApiToken(db, { id, name, tokenHash: hashToken(secret), scopes: [...new Set(scopes)] });
  return { id, secret };
}

const TOKEN_RE = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const challenge = (error?: string) => ({ 'WWW-Authenticate': error ? `Bearer realm="opensoc", error="${error}"` : 'Bearer realm="opensoc"' });

/**
 * Requires a bearer token with `scope`. A write token may also read.
 * Missing, unknown or revoked tokens are 401; a valid token without the scope is 403.
 */
export function requireScope(db: Db, scope: Scope): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new ApiError(401, 'this endpoint needs a bearer token (Authorization: Bearer <token>)', undefined, 'unauthorized', challenge());
    const m = TOKEN_RE.exec(header);
    if (!m) throw new ApiError(401, 'the Authorization header must be "Bearer <token>"', undefined, 'unauthorized', challenge('invalid_request'));
    const row = await findApiTokenByHash(db, hashToken(m[1]!));
    if (!row || row.revokedAt) {
      throw new ApiError(401, row ? 'this token has been revoked' : 'unknown token', undefined, 'unauthorized', challenge('invalid_token'));
    }
    const scopes = Array.isArray(row.scopes) ? row.scopes : [];
    const ok = scopes.includes(scope) || (scope === 'read' && scopes.includes('write'));
    if (!ok) throw new ApiError(403, `this token lacks the '${scope}' scope`, undefined, 'forbidden', challenge('insufficient_scope'));
    c.set('tokenId' as never, row.id as never);
    await next();
  };
}
