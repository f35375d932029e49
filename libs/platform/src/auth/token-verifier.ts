import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { RecentMap } from '../collections/recent-map';
import { codePointLength } from '../text/code-points';
import { AuthError } from './auth.error';
import type { AuthKeys } from './auth-keys';
import { MAX_NICKNAME_LENGTH, nameProblem, pictureUrlProblem, UID_PATTERN, type Identity } from './identity';

const DEFAULT_MAX_LIFETIME_SECONDS = 7 * 24 * 3600;

/** Verified tokens remembered per verifier (most recently used kept): a client sends the same token on every request. */
export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** A token that passed every check, and when it stops being valid. */
interface Verified {
  readonly identity: Identity;
  readonly exp: number;
}

/** A token verified for a session: who, and until when (epoch seconds) it is accepted. */
export interface VerifiedSession {
  readonly identity: Identity;
  readonly validUntil: number;
}

/**
 * Turns a bearer token into an Identity, or throws AuthError with a reason for the caller.
 *
 * A token that passed is remembered, keyed by its whole text (signature included, so only the
 * very same token hits), in a bounded LRU: its signature and claims cannot change, and the keys
 * are fixed for the verifier's life, so the one check that depends on time, `exp`, is made
 * again on every use. A forged, malformed or expired token is never remembered.
 */
export class TokenVerifier {
  private readonly algorithms: string[];
  private readonly remembered: RecentMap<string, Verified>;

  constructor(
    private readonly keys: AuthKeys,
    cacheSize = DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
  ) {
    this.algorithms = [...(keys.hmacSecret ? ['HS256'] : []), ...(keys.rsaPublicKey ? ['RS256'] : [])];
    this.remembered = new RecentMap(cacheSize);
  }

  async verify(token: string | undefined | null): Promise<Identity> {
    return (await this.verified(token)).identity;
  }

  /**
   * `verify`, and until when the token is accepted (epoch seconds: `exp` plus the clock
   * tolerance), for what outlives one request: a STOMP session ends then.
   */
  async verifyForSession(token: string | undefined | null): Promise<VerifiedSession> {
    const { identity, exp } = await this.verified(token);
    return { identity, validUntil: exp + this.keys.clockToleranceSeconds };
  }

  private async verified(token: string | undefined | null): Promise<Verified> {
    if (!token) throw new AuthError('missing access token');
    const known = this.remembered.get(token);
    if (known) {
      // jose's own test: expired once exp <= now - tolerance.
      if (known.exp <= Math.floor(Date.now() / 1000) - this.keys.clockToleranceSeconds) {
        this.remembered.delete(token);
        throw new AuthError('access token expired');
      }
      this.remembered.set(token, known); // most recently used: the last to be evicted
      return known;
    }
    return this.check(token);
  }

  private async check(token: string): Promise<Verified> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        algorithms: this.algorithms,
        issuer: this.keys.issuer ?? undefined,
        clockTolerance: this.keys.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new AuthError(describe(error));
    }
    // A token that never expires, or only in years, is a stolen credential waiting to happen.
    const maxLifetime = this.keys.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    const remaining = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
    if (remaining > maxLifetime + this.keys.clockToleranceSeconds)
      throw new AuthError(`access token is valid for longer than ${maxLifetime} seconds`);
    const verified = { identity: identityOf(payload), exp: payload.exp! };
    this.remembered.set(token, verified); // a size of 0 keeps nothing
    return verified;
  }

  /** `Authorization: Bearer <token>` → token; anything else → undefined. */
  static bearer(header: string | undefined | null): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return match?.[1];
  }

  private readonly keyFor: JWTVerifyGetKey = (header) => {
    const key = header.alg === 'RS256' ? this.keys.rsaPublicKey : this.keys.hmacSecret;
    if (!key) throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
    return key;
  };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'access token expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'access token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'access token algorithm is not accepted';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `access token claim "${error.claim}" is invalid (${error.reason})`;
  if (error instanceof errors.JOSEError) return 'access token is malformed';
  throw error;
}

/** The identity a verified token names; its claims end up in chat lines, so each is checked. */
function identityOf(payload: JWTPayload): Identity {
  const uid: unknown = payload.sub;
  if (typeof uid !== 'string' || !UID_PATTERN.test(uid))
    throw new AuthError('access token "sub" claim must be 1 to 128 visible ASCII characters');
  const name: unknown = payload.name;
  if (name !== undefined && name !== '') {
    // Counted in characters (code points), as a nickname is when dev-token issues it.
    if (
      typeof name !== 'string' ||
      (name.length > MAX_NICKNAME_LENGTH && codePointLength(name) > MAX_NICKNAME_LENGTH)
    )
      throw new AuthError(
        `access token "name" claim must be text of at most ${MAX_NICKNAME_LENGTH} characters`,
      );
    const problem = nameProblem(name);
    if (problem) throw new AuthError(`access token "name" claim ${problem}`);
  }
  const picture: unknown = payload.picture;
  if (picture !== undefined && picture !== '') {
    const problem = typeof picture === 'string' ? pictureUrlProblem(picture) : 'must be a string';
    if (problem) throw new AuthError(`access token "picture" claim ${problem}`);
  }
  // Frozen: the same object answers every later request with this token.
  return Object.freeze({
    uid,
    nickName: typeof name === 'string' && name.length > 0 ? name : uid,
    profileImage: typeof picture === 'string' && picture.length > 0 ? picture : null,
    scopes: Object.freeze(scopesOf(payload)),
  });
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp))
    return payload.scp.filter((item): item is string => typeof item === 'string');
  return [];
}
