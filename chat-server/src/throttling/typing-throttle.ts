import type { Clock } from '@playlist-chat/platform';

/** At most one TYPING event per member and room per interval; the rest are dropped silently (they carry no news). */
export class TypingThrottle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  allow(roomId: string, uid: string): boolean {
    const now = this.clock.now().getTime();
    const key = `${roomId}\u0000${uid}`;
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    this.last.set(key, now);
    if (this.last.size > 10_000) {
      for (const [other, at] of this.last) if (now - at >= this.intervalMs) this.last.delete(other);
    }
    return true;
  }
}
