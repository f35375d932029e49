import { IsSafeName, UID_PATTERN } from '@playlist-chat/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsPlaytime } from './is-playtime';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class MusicDto {
  @ApiProperty({ example: 'Blue in Green', maxLength: 300 })
  @IsString()
  @Length(1, 300)
  @IsSafeName()
  title!: string;

  @ApiProperty({ example: 'Miles Davis', maxLength: 300, description: 'Empty when unknown' })
  @IsString()
  @Length(0, 300)
  // Empty says "unknown"; anything else is a name like the others.
  @ValidateIf((music: MusicDto) => music.artist !== '')
  @IsSafeName()
  artist!: string;

  @ApiProperty({ example: '5:37', description: '`m:ss` or `h:mm:ss`, longer than 0:00' })
  @IsPlaytime()
  playtime!: string;

  @ApiProperty({
    example: 'https://img.example.com/blue-in-green.jpg',
    description: 'http(s) URL of the cover image',
  })
  @IsUrl(URL_OPTIONS)
  thumbnail!: string;
}

/** A playlist id: 1 to 128 code points, none a control character, not starting or ending with white space. */
const PLAYLIST_ID_PATTERN = /^(?!\s)[^\p{Cc}]{1,128}(?<!\s)$/u;

export class PlaylistDto {
  @ApiProperty({
    example: 'pl-42',
    description:
      "The playlist service's id of the playlist: 1 to 128 characters, no control characters, no white space at either end",
    maxLength: 128,
  })
  @IsString()
  // Matched as given: a NUL, a newline or a stray space at an end would name another playlist (and break log lines).
  @Matches(PLAYLIST_ID_PATTERN, {
    message: '$property must be 1 to 128 characters, without control characters or white space at either end',
  })
  id!: string;

  @ApiProperty({ example: 'Late night jazz', description: 'Becomes the room name', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @IsSafeName()
  name!: string;

  @ApiProperty({ type: [MusicDto], minItems: 1, maxItems: 500 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  // ValidateNested alone walks into an array it is given where an object belongs, so `[[]]`
  // would pass as a track with no fields.
  @IsObject({ each: true, message: 'each track in $property must be an object' })
  @ValidateNested({ each: true })
  @Type(() => MusicDto)
  musics!: MusicDto[];
}

export class CreateRoomDto {
  @ApiProperty({
    example: 'u-1',
    description:
      "Owner's uid: your own, unless your token has scope rooms:create (1 to 128 visible ASCII characters)",
    maxLength: 128,
  })
  @IsString()
  @Matches(UID_PATTERN, { message: '$property must be 1 to 128 visible ASCII characters (a uid)' })
  uid!: string;

  @ApiProperty({ example: 'Ann', description: "Owner's nickname", maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @IsSafeName()
  userName!: string;

  @ApiPropertyOptional({
    example: 'https://img.example.com/ann.png',
    description: "Owner's profile image (default: the token's picture)",
  })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  profileImage?: string;

  @ApiProperty({
    type: PlaylistDto,
    description: 'Frozen into the room: later edits of the playlist do not reach it',
  })
  @IsDefined()
  // As for the tracks: an array here would be validated element by element, not refused.
  @IsObject()
  @ValidateNested()
  @Type(() => PlaylistDto)
  playlist!: PlaylistDto;
}
