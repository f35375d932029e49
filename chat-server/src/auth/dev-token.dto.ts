import { IsSafeName } from '@playlist-chat/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';

export class DevTokenRequest {
  @ApiProperty({ example: 'u-1' })
  @IsString()
  @Matches(/^[A-Za-z0-9._:@-]{1,128}$/, {
    message: '$property must be 1 to 128 letters, digits or . _ : @ -',
  })
  uid!: string;

  @ApiProperty({ example: 'Ann', maxLength: 64 })
  @IsString()
  @Length(1, 64)
  @IsSafeName()
  nickName!: string;

  @ApiPropertyOptional({ example: 'https://img.example.com/ann.png' })
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  profileImage?: string;

  @ApiPropertyOptional({
    example: 'rooms:create',
    description: 'Space-separated scopes, e.g. rooms:create (playlist service), rooms:admin (operators)',
  })
  @IsOptional()
  @Matches(/^[a-z:-]+( [a-z:-]+)*$/, { message: '$property must be space-separated scope names' })
  scope?: string;
}

export class DevTokenResponse {
  @ApiProperty({ description: 'HS256 JWT: sub = uid, name = nickName, picture = profileImage, scope' })
  accessToken!: string;
}
