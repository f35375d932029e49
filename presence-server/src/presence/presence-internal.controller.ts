import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto, QUERY_REFUSED } from './dto/error-response.dto';
import {
  MemberPresenceStatusDto,
  PresenceListDto,
  RoomPresenceSummaryDto,
} from './dto/presence-responses.dto';
import { INTERNAL_TOKEN_HEADER, InternalTokenGuard } from './internal-token.guard';
import { PresenceService } from './presence.service';

/**
 * Service-to-service lookups for the chat server (found through the ServiceRegistry as
 * `presence-server`). Not routed by the gateway; protected by PRESENCE_INTERNAL_TOKEN when set.
 */
@ApiTags('internal')
@ApiHeader({
  name: INTERNAL_TOKEN_HEADER,
  required: false,
  description: 'Required when PRESENCE_INTERNAL_TOKEN is set',
})
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong or missing x-internal-token' })
@ApiBadRequestResponse({ type: ErrorResponseDto, description: QUERY_REFUSED })
@UseGuards(InternalTokenGuard)
@Controller('internal/v1/presence')
export class PresenceInternalController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':roomId/members/:uid')
  @ApiOperation({
    summary: 'May this member chat? (chat server, on join)',
    description:
      "mayChat is false only while the member chose to appear offline; it does not depend on whether the join or device events of the asking connection were handled yet. Membership is the chat server's own call.",
  })
  @ApiOkResponse({ type: MemberPresenceStatusDto })
  member(@Param('roomId') roomId: string, @Param('uid') uid: string): Promise<MemberPresenceStatusDto> {
    return this.presence.status(roomId, uid);
  }

  @Get(':roomId/off')
  @ApiOperation({ summary: 'Members whose state is off (chat server, push notifications for a new line)' })
  @ApiOkResponse({ type: PresenceListDto })
  off(@Param('roomId') roomId: string): Promise<PresenceListDto> {
    return this.presence.members(roomId, 'off');
  }

  @Get(':roomId')
  @ApiOperation({ summary: 'How many members are on (chat server, idle clean-up)' })
  @ApiOkResponse({ type: RoomPresenceSummaryDto })
  summary(@Param('roomId') roomId: string): Promise<RoomPresenceSummaryDto> {
    return this.presence.summary(roomId);
  }
}
