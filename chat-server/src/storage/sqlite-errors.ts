/** SQLite primary result codes this server acts on (extended codes keep them in the low byte). */
export const SQLITE_BUSY = 5;
export const SQLITE_FULL = 13;

/**
 * Whether `error` is node:sqlite's error (`code: 'ERR_SQLITE_ERROR'`) for the primary result
 * code `primary`, or one of its extended codes (SQLITE_BUSY_SNAPSHOT is SQLITE_BUSY).
 */
export function isSqliteError(error: unknown, primary: number): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && (errcode & 0xff) === primary;
}
