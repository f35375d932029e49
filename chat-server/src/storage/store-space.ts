import { Injectable, Logger } from '@nestjs/common';
import { isSqliteError, SQLITE_FULL } from './sqlite-errors';
import { InjectStoreConnection, probeStoreWrite, type StoreConnection } from './store-connection';

/** MongoDB's OutOfDiskSpace. */
const MONGO_OUT_OF_DISK_SPACE = 14031;
/** Refused writes are told at most this often, as one warning with their count. */
export const OUT_OF_SPACE_WARNING_EVERY_MS = 10_000;

/**
 * Whether `error` is the store refusing a write for lack of disk space: node:sqlite's error
 * (`code: 'ERR_SQLITE_ERROR'`, `errcode` SQLITE_FULL, `errstr` "database or disk is full"), or
 * MongoDB's OutOfDiskSpace.
 */
export function isOutOfSpace(error: unknown): boolean {
  if (isSqliteError(error, SQLITE_FULL)) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === MONGO_OUT_OF_DISK_SPACE
  );
}

/**
 * Whether the store has disk space for writes, as real writes tell it. A write refused for
 * lack of space (`noteRefusedWrite`) marks the store full, and readiness says so in its report
 * (it stays ready: reads still work, and every instance shares the store, so taking this one
 * out of rotation would only turn reads off too). While it is marked, each readiness check
 * makes one small real write (`probeStoreWrite`); the first that succeeds clears the mark. A
 * healthy store is never probed: a readiness check costs no write.
 *
 * A probe may succeed while larger writes still fail (SQLite reuses its write-ahead log's
 * space after a checkpoint); the next refused write marks the store full again.
 */
@Injectable()
export class StoreSpace {
  private readonly logger = new Logger('StoreSpace');
  private fullSince: Date | null = null;
  private lastReason = '';
  private refusedSinceWarning = 0;
  private lastWarningAt = Number.NEGATIVE_INFINITY;

  constructor(@InjectStoreConnection() private readonly connection: StoreConnection) {}

  /**
   * Notes a failed write; true when it failed for lack of disk space (then the store is marked
   * full, and a warning with the count of such failures is logged at most every
   * OUT_OF_SPACE_WARNING_EVERY_MS instead of a stack per failure).
   */
  noteRefusedWrite(error: unknown): boolean {
    if (!isOutOfSpace(error)) return false;
    this.fullSince ??= new Date();
    this.lastReason = (error as Error).message;
    this.refusedSinceWarning += 1;
    const now = Date.now();
    if (now - this.lastWarningAt >= OUT_OF_SPACE_WARNING_EVERY_MS) {
      this.logger.warn(
        `store out of disk space since ${this.fullSince.toISOString()}: ${this.refusedSinceWarning} write(s) refused ` +
          `since the last warning (${this.lastReason}); clients get storage-full until space is freed`,
      );
      this.lastWarningAt = now;
      this.refusedSinceWarning = 0;
    }
    return true;
  }

  /**
   * For readiness: undefined while the store takes writes, else what refuses them. While it is
   * marked full, each call makes one probe write, and the first that succeeds clears the mark.
   */
  async refusal(): Promise<string | undefined> {
    const since = this.fullSince;
    if (!since) return undefined;
    try {
      await probeStoreWrite(this.connection);
    } catch (error) {
      if (!isOutOfSpace(error)) throw error;
      return `refused since ${since.toISOString()}: out of disk space (${(error as Error).message}); free space where the store keeps its data`;
    }
    this.fullSince = null;
    this.refusedSinceWarning = 0;
    this.lastWarningAt = Number.NEGATIVE_INFINITY;
    this.logger.log(
      `store takes writes again after ${Math.round((Date.now() - since.getTime()) / 1000)} s out of disk space`,
    );
    return undefined;
  }
}
