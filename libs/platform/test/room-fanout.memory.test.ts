import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { roomFanoutContract } from './room-fanout.contract';
import {
  InMemoryFanoutHub,
  InMemoryRoomFanout,
  sharedInMemoryFanoutHub,
} from '../src/room-fanout/room-fanout.memory';

roomFanoutContract('in-memory', async () => {
  const hub = new InMemoryFanoutHub();
  return { instance: () => new InMemoryRoomFanout(hub) };
});

describe('InMemoryRoomFanout', () => {
  it('joins the process-wide hub by default, so the apps of one process reach each other', async () => {
    expect(sharedInMemoryFanoutHub()).toBe(sharedInMemoryFanoutHub());
    const chat = new InMemoryRoomFanout();
    const other = new InMemoryRoomFanout();
    const received: string[] = [];
    other.onMessage((_channel, payload) => received.push(payload));
    const channel = `room:${randomUUID()}`;
    await other.subscribe(channel);

    await chat.publish(channel, 'across apps');

    await expectEventually(() => expect(received).toEqual(['across apps']));
    await Promise.all([chat.close(), other.close()]);
  });
});
