import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, JwtAuthGuard, type Identity } from '@playlist-chat/platform';
import { CreateRoomDto } from './dto/create-room.dto';
import { LeaveRoomDto, RoomIdParam, RoomListQuery } from './dto/room-params.dto';
import type { RoomListPage } from './room-list-page';
import { ErrorView, RATE_LIMITED_ANSWER } from '../errors/error.view';
import { ExitResultView, LeaveResultView, MemberView, RoomSummaryView, RoomView } from './dto/room.views';
import { MembershipService, profileOf } from './membership.service';
import { RoomsService } from './rooms.service';

const NEXT_CURSOR_HEADER = {
  'X-Next-Cursor': {
    description: 'Present when more rooms follow: pass it as `cursor` for the next page',
    schema: { type: 'string' },
  },
};

interface StatusResponse {
  status(code: number): unknown;
}

interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

@ApiTags('rooms')
@ApiBearerAuth()
@ApiExtraModels(MemberView)
@ApiUnauthorizedResponse({ type: ErrorView, description: 'Missing, expired or forged access token' })
@UseGuards(JwtAuthGuard)
@Controller('v1/api/rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly membership: MembershipService,
  ) {}

  @Post('create')
  @ApiOperation({
    summary:
      "Open a room for a playlist (owner joins first); the owner's existing live room of the playlist is returned as is (200)",
  })
  @ApiCreatedResponse({ type: RoomView, description: 'Room opened' })
  @ApiOkResponse({ type: RoomView, description: "The owner's playlist already had a live room: that room" })
  @ApiBadRequestResponse({ type: ErrorView, description: 'Invalid body, e.g. a malformed playtime' })
  @ApiForbiddenResponse({
    type: ErrorView,
    description: 'uid is not the caller and the token lacks scope rooms:create',
  })
  @ApiTooManyRequestsResponse({
    ...RATE_LIMITED_ANSWER,
    description:
      'Per-user limit on opening rooms, CHAT_CREATE_RATE_LIMIT (rate-limited); callers with rooms:create are not limited',
  })
  async create(
    @CurrentUser() caller: Identity,
    @Body() dto: CreateRoomDto,
    @Res({ passthrough: true }) response: StatusResponse,
  ): Promise<RoomView> {
    const { room, created } = await this.rooms.create(caller, dto);
    response.status(created ? 201 : 200);
    return room;
  }

  @Get('joined')
  @ApiOperation({ summary: 'Rooms I am in, newest first, with unread counts; paged (X-Next-Cursor)' })
  @ApiOkResponse({ type: [RoomSummaryView], headers: NEXT_CURSOR_HEADER })
  @ApiBadRequestResponse({ type: ErrorView })
  async joined(
    @CurrentUser() caller: Identity,
    @Query() query: RoomListQuery,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<RoomSummaryView[]> {
    return withNextCursor(response, await this.rooms.listJoined(caller.uid, query));
  }

  @Get('unjoined')
  @ApiOperation({ summary: 'Live rooms I can join, newest first; paged (X-Next-Cursor)' })
  @ApiOkResponse({ type: [RoomSummaryView], headers: NEXT_CURSOR_HEADER })
  @ApiBadRequestResponse({ type: ErrorView })
  async unjoined(
    @CurrentUser() caller: Identity,
    @Query() query: RoomListQuery,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<RoomSummaryView[]> {
    return withNextCursor(response, await this.rooms.listUnjoined(caller.uid, query));
  }

  @Get()
  @ApiOperation({
    summary: 'Every live room, newest first (operators: scope rooms:admin); paged (X-Next-Cursor)',
  })
  @ApiOkResponse({ type: [RoomSummaryView], headers: NEXT_CURSOR_HEADER })
  @ApiBadRequestResponse({ type: ErrorView })
  @ApiForbiddenResponse({ type: ErrorView, description: 'Token lacks scope rooms:admin' })
  async all(
    @CurrentUser() caller: Identity,
    @Query() query: RoomListQuery,
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<RoomSummaryView[]> {
    return withNextCursor(response, await this.rooms.listAll(caller, query));
  }

  @Put('leave')
  @ApiOperation({ summary: 'Leave for now: keeps membership, saves the last read message id (forward only)' })
  @ApiOkResponse({ type: LeaveResultView })
  @ApiBadRequestResponse({ type: ErrorView })
  @ApiForbiddenResponse({ type: ErrorView, description: 'Not a member of the room' })
  @ApiNotFoundResponse({ type: ErrorView, description: 'Unknown room' })
  async leave(@CurrentUser() caller: Identity, @Body() dto: LeaveRoomDto): Promise<LeaveResultView> {
    const lastReadMessageId = await this.membership.leave(dto.roomId, caller.uid, dto.lastReadMessageId);
    return { roomId: dto.roomId, lastReadMessageId };
  }

  @Post('exit/:roomId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Leave for good: the room leaves "my rooms"; the others stay' })
  @ApiOkResponse({ type: ExitResultView })
  @ApiBadRequestResponse({ type: ErrorView })
  @ApiForbiddenResponse({ type: ErrorView, description: 'Not a member of the room' })
  @ApiNotFoundResponse({ type: ErrorView, description: 'Unknown room' })
  async exit(@CurrentUser() caller: Identity, @Param() { roomId }: RoomIdParam): Promise<ExitResultView> {
    const room = await this.membership.exit(roomId, profileOf(caller));
    return { roomId, userCount: Object.keys(room.users).length };
  }

  @Get(':roomId')
  @ApiOperation({
    summary:
      "One room's info, with what plays now; `users` lists the members for members only (empty for anyone else)",
  })
  @ApiOkResponse({ type: RoomView })
  @ApiBadRequestResponse({ type: ErrorView })
  @ApiNotFoundResponse({ type: ErrorView, description: 'Unknown or closed room' })
  get(@CurrentUser() caller: Identity, @Param() { roomId }: RoomIdParam): Promise<RoomView> {
    return this.rooms.get(roomId, caller);
  }
}

/** The page's rooms as the body (an array, as before paging); where the next page starts in a header. */
function withNextCursor(response: HeaderResponse, page: RoomListPage<RoomSummaryView>): RoomSummaryView[] {
  if (page.nextCursor !== null) response.setHeader('X-Next-Cursor', page.nextCursor);
  return page.items;
}
