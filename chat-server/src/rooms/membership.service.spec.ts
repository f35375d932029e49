import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { person, UseCaseApp } from '../../test/support/use-cases';
import { MessageStore } from '../message-store/message-store.port';
import { MembershipService, profileOf } from './membership.service';

describe('MembershipService', () => {
  let app: UseCaseApp;
  let membership: MembershipService;

  beforeEach(async () => {
    app = await UseCaseApp.start({ CHAT_MAX_ROOMS_PER_USER: '2' });
    membership = app.get(MembershipService);
  });

  afterEach(() => app.close());

  it('stores one ENTER and tells member.joined once, however often the same person joins', async () => {
    const roomId = await app.room(person('owner'));
    await membership.join(roomId, profileOf(person('ann')));
    await membership.join(roomId, profileOf(person('ann')));
    const lines = await app.get(MessageStore).listAfter(roomId, null, 10);
    expect(lines.filter((line) => line.type === 'ENTER').map((line) => line.sender.uid)).toEqual([
      'owner',
      'ann',
    ]);
    expect(app.events.filter((event) => event.type === 'member.joined')).toHaveLength(2);
  });

  it('exits the oldest-joined room beyond the limit: EXIT stored there, member.exited told with reason evicted', async () => {
    const ann = person('ann');
    const [first, second, third] = [
      await app.room(ann, 'one'),
      await app.room(ann, 'two'),
      await app.room(person('bo'), 'three'),
    ];
    await membership.join(third, profileOf(ann));
    expect(app.events).toContainEqual({
      type: 'member.exited',
      roomId: first,
      uid: 'ann',
      reason: 'evicted',
    });
    expect(app.events.some((event) => event.type === 'member.exited' && event.roomId === second)).toBe(false);
    const lines = await app.get(MessageStore).listAfter(first, null, 10);
    expect(lines.at(-1)).toMatchObject({ type: 'EXIT', sender: { uid: 'ann' } });
  });

  it('tells member.left when a member leaves for now, and refuses a read position that is not a line of the room', async () => {
    const roomId = await app.room(person('owner'));
    await membership.leave(roomId, 'owner', undefined);
    expect(app.events.at(-1)).toEqual({ type: 'member.left', roomId, uid: 'owner' });
    await expect(membership.leave(roomId, 'owner', '0'.repeat(26))).rejects.toMatchObject({
      code: 'invalid-payload',
    });
  });

  it('refuses to exit a room one is not in, and tells nothing', async () => {
    const roomId = await app.room(person('owner'));
    const before = app.events.length;
    await expect(membership.exit(roomId, profileOf(person('stranger')))).rejects.toMatchObject({
      code: 'not-a-member',
    });
    expect(app.events).toHaveLength(before);
  });
});
