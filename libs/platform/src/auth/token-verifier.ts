import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './auth.error';
import type { AuthKeys } from './auth-keys';
import type { Identity } from './identity';

/** Turns a bearer token into an Identity, or throws AuthError with a reason for the caller. */
export class TokenVerifier {
  private readonly algorithms: string[];

  constructor(private readonly keys: AuthKeys) {
    this.algorithms = [...(keys.hmacSecret ? ['HS256'] : []), ...(keys.rsaPublicKey ? ['RS256'] : [])];
  }

  async verify(token: string | undefined | null): Promise<Identity> {
    if (!token) throw new AuthError('missing access token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        algorithms: this.algorithms,
        issuer: this.keys.issuer ?? undefined,
        clockTolerance: this.keys.clockToleranceSeconds,
        requiredClaims: ['sub'],
      }));
    } catch (error) {
      throw new AuthError(describe(error));
    }
    return identityOf(payload);
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

function identityOf(payload: JWTPayload): Identity {
  const uid = payload.sub;
  if (!uid) throw new AuthError('access token has no "sub" claim');
  const text = (value: unknown): string | null =>
    typeof value === 'string' && value.length > 0 ? value : null;
  return {
    uid,
    nickName: text(payload.name) ?? uid,
    profileImage: text(payload.picture),
    scopes: scopesOf(payload),
  };
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp))
    return payload.scp.filter((item): item is string => typeof item === 'string');
  return [];
}
