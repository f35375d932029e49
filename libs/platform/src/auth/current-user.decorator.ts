import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { Identity } from './identity';
import type { AuthenticatedRequest } from './jwt-auth.guard';

/** The caller's Identity, set by `JwtAuthGuard` (use both on the same route or controller). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Identity => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new UnauthorizedException('missing access token');
  return user;
});
