import { ApiProperty } from '@nestjs/swagger';
import type { MemberPresenceStatus, PresenceState } from '@playlist-chat/contracts';

export class PresenceMemberDto {
  @ApiProperty({ example: 'user-42' })
  readonly uid!: string;

  @ApiProperty({ example: 'Mina' })
  readonly nickName!: string;
}

/** `GET /api/v1/presence/{roomId}/on` and `/off`. */
export class PresenceListDto {
  @ApiProperty()
  readonly roomId!: string;

  @ApiProperty({ enum: ['on', 'off'] })
  readonly state!: PresenceState;

  @ApiProperty({ description: 'Number of members in the list' })
  readonly count!: number;

  @ApiProperty({
    type: [PresenceMemberDto],
    description: 'Every member in this state, sorted by nickname then uid',
  })
  readonly members!: PresenceMemberDto[];
}

/** `GET /api/v1/presence/{roomId}/me`: the caller's own presence in the room. */
export class MyPresenceDto {
  @ApiProperty()
  readonly roomId!: string;

  @ApiProperty()
  readonly uid!: string;

  @ApiProperty()
  readonly nickName!: string;

  @ApiProperty({ enum: ['on', 'off'], description: 'Your state' })
  readonly state!: PresenceState;

  @ApiProperty({ description: 'False while you appear offline: the chat server refuses your messages' })
  readonly mayChat!: boolean;
}

/** `PATCH /api/v1/presence/on` and `/off`: your presence after the call. */
export class PresenceChangeResultDto extends MyPresenceDto {
  @ApiProperty({ description: 'Whether the call changed anything the room sees (and so was announced)' })
  readonly changed!: boolean;
}

/** Internal: `GET /internal/v1/presence/{roomId}/members/{uid}`. */
export class MemberPresenceStatusDto implements MemberPresenceStatus {
  @ApiProperty()
  readonly roomId!: string;

  @ApiProperty()
  readonly uid!: string;

  @ApiProperty({ description: 'Whether the room is open as far as the presence server knows' })
  readonly roomExists!: boolean;

  @ApiProperty({
    description:
      'False while the presence server knows the room only from events after its opening (it lost its state): its roster may lack members until the chat server sends them again',
  })
  readonly rosterKnown!: boolean;

  @ApiProperty({
    description: "Whether uid is on the presence server's roster (may lag the chat server by an event)",
  })
  readonly member!: boolean;

  @ApiProperty({ enum: ['on', 'off'] })
  readonly state!: PresenceState;

  @ApiProperty({ description: 'False only while the member chose to appear offline' })
  readonly mayChat!: boolean;
}

/** Internal: `GET /internal/v1/presence/{roomId}`. */
export class RoomPresenceSummaryDto {
  @ApiProperty()
  readonly roomId!: string;

  @ApiProperty()
  readonly roomExists!: boolean;

  @ApiProperty({
    description:
      'False while the presence server knows the room only from events after its opening (it lost its state): its roster may lack members until the chat server sends them again',
  })
  readonly rosterKnown!: boolean;

  @ApiProperty({ description: 'Members on the roster' })
  readonly memberCount!: number;

  @ApiProperty({ description: 'Members whose state is on' })
  readonly onCount!: number;
}
