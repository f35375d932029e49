import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { refusalBody } from '../http/refusal';
import { AuthError } from './auth.error';
import type { Identity } from './identity';
import { TokenVerifier } from './token-verifier';

/** The part of an HTTP request the guard reads and writes (express or any adapter). */
export interface AuthenticatedRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  user?: Identity;
}

/**
 * `Authorization: Bearer <JWT>` → `request.user` (read it with `@CurrentUser()`).
 * Missing, expired or forged token: 401 `unauthorized` whose `message` says why (the same code as
 * the STOMP ERROR for a refused CONNECT).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = TokenVerifier.bearer(Array.isArray(header) ? header[0] : header);
    try {
      if (!token && header) throw new AuthError('Authorization header must be "Bearer <token>"');
      request.user = await this.verifier.verify(token);
      return true;
    } catch (error) {
      if (error instanceof AuthError)
        throw new UnauthorizedException(refusalBody(401, 'unauthorized', error.reason));
      throw error;
    }
  }
}
