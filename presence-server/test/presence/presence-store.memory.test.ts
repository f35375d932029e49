import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InMemoryPresenceStore } from '../../src/presence/presence-store.memory';
import type { PresenceStoreOptions } from '../../src/presence/presence-store.port';
import { SAVED_CHOICES_FILE, SavedChoices } from '../../src/presence/saved-choices.sqlite';
import { presenceStoreContract } from './presence-store.contract';

const folders: string[] = [];
const newFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), 'presence-choices-'));
  folders.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

presenceStoreContract('memory', async (options) => new InMemoryPresenceStore(options));
// Saving choices must not change any rule of the port.
presenceStoreContract(
  'memory, choices saved to a file',
  async (options) => new InMemoryPresenceStore(options, SavedChoices.open(newFolder())),
);

describe('memory store: "appear offline" choices outlive a restart on the same file', () => {
  const options: PresenceStoreOptions = { deviceTtlMs: 60_000 };
  const T0 = new Date('2026-03-01T12:00:00.000Z');
  const owner = { uid: 'owner', nickName: 'Owner' };
  const bob = { uid: 'bob', nickName: 'Bob' };
  const open: InMemoryPresenceStore[] = [];
  const start = (folder: string) => {
    const store = new InMemoryPresenceStore(options, SavedChoices.open(folder));
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  /** A first life: the room with bob, who chose to appear offline. */
  async function bobChoseOffline(folder: string): Promise<void> {
    const first = start(folder);
    await first.openRoom('room-1', owner, T0);
    await first.addMember('room-1', bob, T0);
    expect((await first.turnOff('room-1', 'bob', T0)).outcome).toBe('ok');
    await first.close();
  }

  it('applies a saved choice once the chat server tells the room again, and reports it', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);

    const second = start(folder);
    expect(await second.roomExists('room-1')).toBe(false); // the roster itself is not saved
    await second.addMember('room-1', owner, T0);
    const told = await second.addMember('room-1', bob, T0);
    await second.connectDevice('room-1', 'bob', 'tab-1', T0);

    expect(told).toEqual([
      { roomId: 'room-1', uid: 'bob', nickName: 'Bob', state: 'off', mayChat: false, cause: 'membership' },
    ]);
    expect(await second.getMember('room-1', 'bob', T0)).toMatchObject({ appearOffline: true });
    expect((await second.listStates('room-1', T0))?.find((member) => member.uid === 'bob')).toMatchObject({
      state: 'off',
      mayChat: false,
    });
  });

  it('forgets the saved choice when bob turns on, leaves, or the room closes', async () => {
    for (const [how, end] of [
      ['turns on', (store: InMemoryPresenceStore) => store.turnOn('room-1', 'bob', T0)],
      ['leaves', (store: InMemoryPresenceStore) => store.removeMember('room-1', 'bob', T0)],
      ['room closes', (store: InMemoryPresenceStore) => store.closeRoom('room-1')],
    ] as const) {
      const folder = newFolder();
      await bobChoseOffline(folder);
      const second = start(folder);
      await second.addMember('room-1', owner, T0);
      await second.addMember('room-1', bob, T0);
      await end(second);
      await second.close();

      const third = start(folder);
      await third.addMember('room-1', owner, T0);
      await third.addMember('room-1', bob, T0);
      expect((await third.getMember('room-1', 'bob', T0)).appearOffline, how).toBe(false);
    }
  });

  it('forgets a saved choice of a member who left before the room was told again', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    const second = start(folder);
    await second.removeMember('room-1', 'bob', T0); // nothing to report: the roster is not known yet
    await second.addMember('room-1', owner, T0);
    await second.addMember('room-1', bob, T0); // bob joins again
    expect((await second.getMember('room-1', 'bob', T0)).appearOffline).toBe(false);
  });

  it('makes no file until someone chooses', async () => {
    const folder = newFolder();
    const store = start(folder);
    await store.openRoom('room-1', owner, T0);
    await store.addMember('room-1', bob, T0);
    await store.turnOn('room-1', 'bob', T0);
    expect(existsSync(join(folder, SAVED_CHOICES_FILE))).toBe(false);
    await store.turnOff('room-1', 'bob', T0);
    expect(existsSync(join(folder, SAVED_CHOICES_FILE))).toBe(true);
  });

  it('forgets a saved choice of someone missing from the whole roster told again (a leave lost in a crash)', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    const second = start(folder);
    await second.addMember('room-1', owner, T0); // the chat server tells the room: Bob is not in it
    await second.markRosterKnown('room-1');
    await second.close();

    const third = start(folder);
    await third.addMember('room-1', owner, T0);
    await third.addMember('room-1', bob, T0); // Bob joins again later
    expect((await third.getMember('room-1', 'bob', T0)).appearOffline).toBe(false);
  });

  it('keeps the file readable by this user only, and refuses a file from a newer version', async () => {
    const folder = newFolder();
    await bobChoseOffline(folder);
    expect(statSync(join(folder, SAVED_CHOICES_FILE)).mode & 0o777).toBe(0o600);

    const newer = new DatabaseSync(join(folder, SAVED_CHOICES_FILE));
    newer.exec('PRAGMA user_version = 2');
    newer.close();
    expect(() => SavedChoices.open(folder)).toThrow(/has schema 2, newer than this presence server's 1/);
  });
});
