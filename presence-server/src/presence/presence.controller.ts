import { Body, Controller, Get, HttpCode, Param, Patch, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, JwtAuthGuard, type Identity } from '@playlist-chat/platform';
import { ChangePresenceDto } from './dto/change-presence.dto';
import { ErrorResponseDto, QUERY_REFUSED } from './dto/error-response.dto';
import { MyPresenceDto, PresenceChangeResultDto, PresenceListDto } from './dto/presence-responses.dto';
import { PresenceService } from './presence.service';

/** The public presence API (routed by the gateway). Every route needs a member's access token. */
@ApiTags('presence')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, expired or forged access token' })
@UseGuards(JwtAuthGuard)
@Controller('api/v1/presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':roomId/on')
  @ApiOperation({
    summary: 'Members whose state is on',
    description: 'Complete, sorted by nickname then uid. Members of the room only (or scope presence:read).',
  })
  @ApiOkResponse({ type: PresenceListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: QUERY_REFUSED })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'You are not a member of this room' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown room' })
  listOn(@Param('roomId') roomId: string, @CurrentUser() caller: Identity): Promise<PresenceListDto> {
    return this.presence.list(roomId, 'on', caller);
  }

  @Get(':roomId/off')
  @ApiOperation({
    summary: 'Members whose state is off',
    description: 'Complete, sorted by nickname then uid. Members of the room only (or scope presence:read).',
  })
  @ApiOkResponse({ type: PresenceListDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: QUERY_REFUSED })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'You are not a member of this room' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown room' })
  listOff(@Param('roomId') roomId: string, @CurrentUser() caller: Identity): Promise<PresenceListDto> {
    return this.presence.list(roomId, 'off', caller);
  }

  @Get(':roomId/me')
  @ApiOperation({
    summary: 'Your own presence in the room',
    description:
      "Your state and whether you may chat (false while you appear offline), e.g. to hold a line back instead of having it refused. Members of the room only; nobody can read another member's choice.",
  })
  @ApiOkResponse({ type: MyPresenceDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: QUERY_REFUSED })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'You are not a member of this room' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown room' })
  mine(@Param('roomId') roomId: string, @CurrentUser() caller: Identity): Promise<MyPresenceDto> {
    return this.presence.mine(roomId, caller);
  }

  @Patch('on')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn your presence on, and tell the room',
    description:
      'Clears "appear offline" and keeps you on for one device TTL even without a chat connection; call again to stay on (a heart-beat). Announced to the room when something changed.',
  })
  @ApiOkResponse({ type: PresenceChangeResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Body is not { roomId: string }' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'You are not a member of this room' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown room' })
  turnOn(@Body() body: ChangePresenceDto, @CurrentUser() caller: Identity): Promise<PresenceChangeResultDto> {
    return this.presence.turn(body.roomId, caller, 'on');
  }

  @Patch('off')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn your presence off (appear offline), and tell the room',
    description:
      'You stay off on every device, across reconnects, until PATCH on or until you leave the room; while off the chat server refuses your messages.',
  })
  @ApiOkResponse({ type: PresenceChangeResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Body is not { roomId: string }' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'You are not a member of this room' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown room' })
  turnOff(
    @Body() body: ChangePresenceDto,
    @CurrentUser() caller: Identity,
  ): Promise<PresenceChangeResultDto> {
    return this.presence.turn(body.roomId, caller, 'off');
  }
}
