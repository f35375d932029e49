import type { PlaylistSnapshot } from '../room-store/room.model';
import { parsePlaytime } from './playtime';

export interface NowPlaying {
  /** Index in `playlist.musics`. */
  readonly trackIndex: number;
  readonly title: string;
  readonly artist: string;
  /** Seconds into the track. */
  readonly offsetSeconds: number;
  readonly durationSeconds: number;
  /** How many times the whole playlist has played through before this loop. */
  readonly loop: number;
}

interface Timeline {
  /** Seconds of each track (0 for one that cannot be played). */
  readonly durations: readonly number[];
  readonly total: number;
}

// A playlist snapshot never changes, and the SQLite store hands out one shared object per room
// (ParsedPlaylists): its timeline is worked out once, not on every re-entry and room read.
const timelines = new WeakMap<PlaylistSnapshot, Timeline>();

function timelineOf(playlist: PlaylistSnapshot): Timeline {
  let timeline = timelines.get(playlist);
  if (!timeline) {
    const durations = playlist.musics.map((music) => parsePlaytime(music.playtime) ?? 0);
    timeline = { durations, total: durations.reduce((sum, seconds) => sum + seconds, 0) };
    timelines.set(playlist, timeline);
  }
  return timeline;
}

/**
 * The room plays its playlist on a loop from the moment it opened, so everyone hears the same
 * track at the same offset: elapsed time modulo the playlist's length picks track and offset.
 */
export function nowPlaying(playlist: PlaylistSnapshot, openedAt: Date, now: Date): NowPlaying | null {
  const { durations, total } = timelineOf(playlist);
  if (total === 0) return null;
  const elapsed = Math.max(0, (now.getTime() - openedAt.getTime()) / 1000);
  let position = elapsed % total;
  for (let index = 0; index < durations.length; index++) {
    const duration = durations[index];
    if (position < duration) {
      const music = playlist.musics[index];
      return {
        trackIndex: index,
        title: music.title,
        artist: music.artist,
        offsetSeconds: Math.floor(position),
        durationSeconds: duration,
        loop: Math.floor(elapsed / total),
      };
    }
    position -= duration;
  }
  return null;
}
