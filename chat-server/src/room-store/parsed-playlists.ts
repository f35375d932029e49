import type { Music, PlaylistSnapshot } from './room.model';

/** How long a kept playlist must have gone unread before a newly read one may take its place. */
export const PLAYLIST_MAKES_WAY_AFTER_MS = 60_000;

interface Kept {
  readonly playlist: PlaylistSnapshot;
  /** Length of the stored JSON it was parsed from: what the bound counts. */
  readonly chars: number;
  usedAt: number;
}

/**
 * Rooms' playlists, parsed from their stored JSON once and kept while they fit. A room's
 * playlist is the snapshot taken when it opened and never changes, and one of 300 tracks is
 * tens of kilobytes that every read of the room and every re-entry would otherwise fetch and
 * parse again (docs/performance.md). Readers share what is kept, so it is handed out frozen.
 *
 * Bounded by the stored JSON's length (in memory a parsed playlist takes about twice that).
 * When full, only a playlist unread for PLAYLIST_MAKES_WAY_AFTER_MS makes way for a new one:
 * replacing kept playlists on every miss, as plain LRU does when more rooms are read than fit,
 * turns each into long-lived garbage for the collector and cost more than parsing (measured).
 */
export class ParsedPlaylists {
  /** Least recently used first. */
  private readonly kept = new Map<string, Kept>();
  private keptChars = 0;
  private readonly capacityChars: number;

  constructor(
    capacityMb: number,
    private readonly now: () => number = Date.now,
  ) {
    this.capacityChars = capacityMb * 1024 * 1024;
  }

  /** Stored JSON (in characters) of the playlists kept now. */
  get size(): { readonly rooms: number; readonly chars: number } {
    return { rooms: this.kept.size, chars: this.keptChars };
  }

  /** The room's playlist: the kept one, or `storedJson()` parsed (and kept when there is room). */
  of(roomId: string, storedJson: () => string): PlaylistSnapshot {
    const now = this.now();
    const kept = this.kept.get(roomId);
    if (kept) {
      kept.usedAt = now;
      this.kept.delete(roomId);
      this.kept.set(roomId, kept);
      return kept.playlist;
    }
    const json = storedJson();
    const playlist = frozen(JSON.parse(json) as PlaylistSnapshot);
    if (this.makeRoom(json.length, now)) {
      this.kept.set(roomId, { playlist, chars: json.length, usedAt: now });
      this.keptChars += json.length;
    }
    return playlist;
  }

  /** A closed room's playlist is not read again. */
  forget(roomId: string): void {
    const kept = this.kept.get(roomId);
    if (!kept) return;
    this.kept.delete(roomId);
    this.keptChars -= kept.chars;
  }

  private makeRoom(chars: number, now: number): boolean {
    if (chars > this.capacityChars) return false;
    for (const [roomId, oldest] of this.kept) {
      if (this.keptChars + chars <= this.capacityChars) break;
      if (now - oldest.usedAt < PLAYLIST_MAKES_WAY_AFTER_MS) return false;
      this.forget(roomId);
    }
    return this.keptChars + chars <= this.capacityChars;
  }
}

function frozen(playlist: PlaylistSnapshot): PlaylistSnapshot {
  for (const music of playlist.musics) Object.freeze(music satisfies Music);
  Object.freeze(playlist.musics);
  return Object.freeze(playlist);
}
