import { SignJWT } from 'jose';
import type { AuthKeys } from './auth-keys';

export interface TokenRequest {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage?: string | null;
  readonly scopes?: readonly string[];
}

/** Signs HS256 access tokens with the app's secret: dev tokens and tests. Production tokens come from the identity provider. */
export class TokenIssuer {
  constructor(private readonly keys: AuthKeys) {}

  get canIssue(): boolean {
    return this.keys.hmacSecret !== null;
  }

  async issue(request: TokenRequest, ttlSeconds: number, now: Date = new Date()): Promise<string> {
    if (!this.keys.hmacSecret)
      throw new Error('no HS256 secret configured: set AUTH_JWT_SECRET to issue tokens');
    const claims: Record<string, unknown> = { name: request.nickName };
    if (request.profileImage) claims.picture = request.profileImage;
    if (request.scopes?.length) claims.scope = request.scopes.join(' ');
    const issuedAt = Math.floor(now.getTime() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(request.uid)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds);
    if (this.keys.issuer) jwt.setIssuer(this.keys.issuer);
    return jwt.sign(this.keys.hmacSecret);
  }
}
