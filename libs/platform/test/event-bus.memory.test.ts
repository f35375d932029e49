import { randomUUID } from 'node:crypto';
import { makeEvent, type RoomEvent } from '@playlist-chat/contracts';
import { describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { eventBusContract } from './event-bus.contract';
import { InMemoryEventBus, sharedInMemoryEventBus } from '../src/event-bus/event-bus.memory';

eventBusContract('in-memory', async (retryPolicy) => new InMemoryEventBus(retryPolicy));

const opened = (roomId: string): RoomEvent =>
  makeEvent<RoomEvent>('room.opened', {
    roomId,
    roomName: 'r',
    owner: { uid: 'u', nickName: 'U', profileImage: null },
  });

describe('InMemoryEventBus', () => {
  it('hands a group’s events to its members in turn', async () => {
    const bus = new InMemoryEventBus();
    const counts = [0, 0, 0];
    for (const index of counts.keys()) {
      await bus.subscribe('chat.rooms', 'workers', async () => {
        counts[index]++;
      });
    }
    for (let index = 0; index < 9; index++) {
      const roomId = randomUUID();
      await bus.publish('chat.rooms', roomId, opened(roomId));
    }

    await expectEventually(() => expect(counts).toEqual([3, 3, 3]));
    await bus.close();
  });

  it('keeps a group’s queued events while it has no member and delivers them to the next one', async () => {
    const bus = new InMemoryEventBus();
    const first = await bus.subscribe('chat.rooms', 'workers', async () => {});
    await first.close();
    const roomId = randomUUID();
    await bus.publish('chat.rooms', roomId, opened(roomId));
    const received: string[] = [];

    await bus.subscribe('chat.rooms', 'workers', async (event) => {
      received.push(event.payload.roomId);
    });

    await expectEventually(() => expect(received).toEqual([roomId]));
    await bus.close();
  });

  it('is one bus per process for every app that asks, until it is closed', async () => {
    const bus = sharedInMemoryEventBus();
    expect(sharedInMemoryEventBus()).toBe(bus);

    await bus.close();

    const fresh = sharedInMemoryEventBus();
    expect(fresh).not.toBe(bus);
    expect(fresh.isClosed).toBe(false);
    await fresh.close();
  });
});
