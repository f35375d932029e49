import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoreConnection } from './store-connection';
import { isOutOfSpace, OUT_OF_SPACE_WARNING_EVERY_MS, StoreSpace } from './store-space';

/** node:sqlite's error for SQLITE_FULL, as thrown by a write on a full disk. */
const diskFull = Object.assign(new Error('database or disk is full'), {
  code: 'ERR_SQLITE_ERROR',
  errcode: 13,
  errstr: 'database or disk is full',
});
const unused = {} as StoreConnection;

describe('StoreSpace', () => {
  afterEach(() => vi.useRealTimers());

  it('recognises SQLite and MongoDB out-of-space errors and nothing else', () => {
    expect(isOutOfSpace(diskFull)).toBe(true);
    expect(
      isOutOfSpace(Object.assign(new Error('full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 | (1 << 8) })),
    ).toBe(true);
    expect(isOutOfSpace(Object.assign(new Error('x'), { code: 14031 }))).toBe(true);
    expect(isOutOfSpace(Object.assign(new Error('busy'), { code: 'ERR_SQLITE_ERROR', errcode: 5 }))).toBe(
      false,
    );
    expect(isOutOfSpace(new Error('database or disk is full'))).toBe(false);
  });

  it('warns once per interval with the count of refused writes, not once per write', () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const space = new StoreSpace(unused);
    for (let n = 0; n < 80; n++) expect(space.noteRefusedWrite(diskFull)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(OUT_OF_SPACE_WARNING_EVERY_MS);
    space.noteRefusedWrite(diskFull);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toContain('80 write(s) refused');
    expect(space.noteRefusedWrite(new Error('other'))).toBe(false);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
