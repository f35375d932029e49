import { Injectable } from '@nestjs/common';

/** Open STOMP sessions per client address on this instance, for the per-address cap. */
@Injectable()
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  opened(key: string): void {
    this.counts.set(key, this.count(key) + 1);
  }

  closed(key: string): void {
    const remaining = this.count(key) - 1;
    if (remaining > 0) this.counts.set(key, remaining);
    else this.counts.delete(key);
  }
}
