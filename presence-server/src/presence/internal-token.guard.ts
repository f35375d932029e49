import { timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { PresenceError } from '../errors/presence-error';
import { PresenceConfig } from '../presence-config';

export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

/** `/internal/**` is for other services: when PRESENCE_INTERNAL_TOKEN (a platform setting) is set, callers must send it. */
@Injectable()
export class InternalTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: PresenceConfig) {
    const token = config.platform.presenceInternalToken;
    this.expected = token ? Buffer.from(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[
      INTERNAL_TOKEN_HEADER
    ];
    const given = Buffer.from(typeof header === 'string' ? header : '');
    if (given.length !== this.expected.length || !timingSafeEqual(given, this.expected))
      throw new PresenceError('internal-only');
    return true;
  }
}
