import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TokenIssuer } from '@playlist-chat/platform';
import { ChatConfig } from '../app/chat-config';
import { ErrorView } from '../rooms/dto/room.views';
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
    const accessToken = await this.issuer.issue(
      {
        uid: request.uid,
        nickName: request.nickName,
        profileImage: request.profileImage,
        scopes: request.scope?.split(' '),
      },
      this.config.auth.devTokenTtlSeconds,
    );
    return { accessToken };
  }
}
