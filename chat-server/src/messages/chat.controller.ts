import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ChatMessage } from '@playlist-chat/contracts';
import { CurrentUser, JwtAuthGuard, type Identity } from '@playlist-chat/platform';
import { RoomIdParam } from '../rooms/dto/room-params.dto';
import { ErrorView, RATE_LIMITED_ANSWER } from '../errors/error.view';
import { ChatService } from './chat.service';
import { FullHistoryQuery, HistoryQuery, SearchQuery } from './dto/history-query.dto';
import { SendMessageDto } from './dto/message-payloads.dto';
import { ChatMessageView, FullHistoryView, MessagePageView, ReentryView } from './dto/message.views';

@ApiTags('chat')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorView, description: 'Missing, expired or forged access token' })
@ApiForbiddenResponse({ type: ErrorView, description: 'Not a member of the room' })
@ApiNotFoundResponse({ type: ErrorView, description: 'Unknown or closed room' })
@ApiBadRequestResponse({ type: ErrorView, description: 'Invalid parameters (field and reason listed)' })
@UseGuards(JwtAuthGuard)
@Controller('v1/api/chat')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get('api/v1/rooms/joined/:roomId')
  @ApiOperation({ summary: 'Re-enter a room I am in: messages since my last read one, and what to play now' })
  @ApiOkResponse({ type: ReentryView })
  reenter(@CurrentUser() caller: Identity, @Param() { roomId }: RoomIdParam): Promise<ReentryView> {
    return this.chat.reentry(caller, roomId);
  }

  @Get('api/v1/history/:roomId')
  @ApiOperation({
    summary:
      "One room's whole history, oldest first (members only); past CHAT_HISTORY_EXPORT_MAX, read on with after=<last messageId>",
  })
  @ApiOkResponse({ type: FullHistoryView })
  fullHistory(
    @CurrentUser() caller: Identity,
    @Param() { roomId }: RoomIdParam,
    @Query() { after }: FullHistoryQuery,
  ): Promise<FullHistoryView> {
    return this.chat.fullHistory(caller, roomId, after);
  }

  @Get('history')
  @ApiOperation({
    summary: 'One page of history, newest first: default 12, at most 20; page on with before=nextCursor',
  })
  @ApiOkResponse({ type: MessagePageView })
  history(@CurrentUser() caller: Identity, @Query() query: HistoryQuery): Promise<MessagePageView> {
    return this.chat.history(caller, query);
  }

  @Get('search')
  @ApiOperation({
    summary: "Keyword search in a room's messages (members only), newest first, paged like history",
  })
  @ApiOkResponse({ type: MessagePageView })
  @ApiTooManyRequestsResponse({
    ...RATE_LIMITED_ANSWER,
    description: 'Per-user search rate limit, CHAT_SEARCH_RATE_LIMIT (rate-limited)',
  })
  search(@CurrentUser() caller: Identity, @Query() query: SearchQuery): Promise<MessagePageView> {
    return this.chat.search(caller, query);
  }

  @Post('api/v1/message')
  @ApiOperation({
    summary: 'Send a chat line over HTTP (debugging); same rules as STOMP SEND /chat/pub/send',
  })
  @ApiCreatedResponse({
    type: ChatMessageView,
    description: 'Committed and broadcast (or the stored line, for a resent clientMessageId)',
  })
  @ApiBadRequestResponse({
    type: ErrorView,
    description:
      'Invalid body (field and reason listed), or content longer than the limit (content-too-long)',
  })
  @ApiForbiddenResponse({
    type: ErrorView,
    description: 'Not a member of the room, or your presence in it is off (presence-off)',
  })
  @ApiConflictResponse({
    type: ErrorView,
    description: "Another member's line in the room has this clientMessageId (client-message-id-taken)",
  })
  @ApiTooManyRequestsResponse({
    ...RATE_LIMITED_ANSWER,
    description: 'Per-user send rate limit (rate-limited)',
  })
  send(@CurrentUser() caller: Identity, @Body() dto: SendMessageDto): Promise<ChatMessage> {
    return this.chat.send(caller, dto);
  }
}
