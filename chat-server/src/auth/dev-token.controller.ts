import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TokenIssuer } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import { ChatError } from '../errors/chat-error';
import { ErrorView } from '../errors/error.view';
import { DevTokenRequest, DevTokenResponse } from './dev-token.dto';

/** Mints tokens for anyone who asks: mounted only when AUTH_DEV_TOKENS=true (a warning is logged at start). */
@ApiTags('auth')
@Controller('v1/api/auth')
export class DevTokenController {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly config: ChatConfig,
  ) {}

  @Post('dev-token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Development sign-in: a token for any uid (exists only when AUTH_DEV_TOKENS=true)',
  })
  @ApiOkResponse({ type: DevTokenResponse })
  @ApiBadRequestResponse({ type: ErrorView })
  async issue(@Body() request: DevTokenRequest): Promise<DevTokenResponse> {
    const scopes = request.scope?.split(' ') ?? [];
    const allowed = this.config.auth.devTokenScopes;
    const refused = scopes.filter((scope) => !allowed.includes(scope));
    if (refused.length > 0) {
      // Anyone can call this endpoint: a scope here would let anyone act as the playlist service or an operator.
      const reason = `dev tokens may not carry ${refused.join(', ')} (AUTH_DEV_TOKEN_SCOPES allows ${allowed.length > 0 ? allowed.join(', ') : 'none'})`;
      throw new ChatError('invalid-payload', `scope: ${reason}`, [{ field: 'scope', reason }]);
    }
    const accessToken = await this.issuer.issue(
      {
        uid: request.uid,
        nickName: request.nickName,
        profileImage: request.profileImage,
        scopes,
      },
      this.config.auth.devTokenTtlSeconds,
    );
    return { accessToken };
  }
}
