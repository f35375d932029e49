/** A room as the chat server keeps it: a document with its playlist snapshot and members. */

export interface Music {
  readonly title: string;
  readonly artist: string;
  /** `m:ss` or `h:mm:ss`, validated at creation. */
  readonly playtime: string;
  readonly thumbnail: string;
}

/** Frozen copy of the playlist taken when the chat started; later playlist edits do not reach it. */
export interface PlaylistSnapshot {
  readonly id: string;
  readonly name: string;
  readonly musics: readonly Music[];
}

export interface Member {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage: string | null;
  /** Last message the member has read; null before they read anything. */
  readonly lastReadMessageId: string | null;
  /**
   * The read position other members are shown: it moves with `lastReadMessageId`, except while
   * the member appears offline (their reading is not to be seen then). Never ahead of it.
   */
  readonly shownReadMessageId: string | null;
  readonly enteredAt: Date;
}

export interface Room {
  /** UUID given at creation. */
  readonly id: string;
  /** The playlist's name. */
  readonly roomName: string;
  readonly ownerUid: string;
  readonly playlist: PlaylistSnapshot;
  /** Keyed by uid. */
  readonly users: Readonly<Record<string, Member>>;
  /** When the chat started: the playlist loop's time zero. */
  readonly createdAt: Date;
  /** Last stored line (ENTER and EXIT too), or idle clean-up finding someone online; drives idle clean-up. */
  readonly lastActivityAt: Date;
  /** Set when the room was closed (idle clean-up); closed rooms are not live. */
  readonly closedAt: Date | null;
}

/** What a room is shown with in lists: its first track's thumbnail (null without tracks). */
export const roomThumbnail = (room: Room): string | null => room.playlist.musics[0]?.thumbnail ?? null;
