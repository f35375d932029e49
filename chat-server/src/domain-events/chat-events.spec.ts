import { describe, expect, it } from 'vitest';
import { ChatEvents } from './chat-events';

describe('ChatEvents', () => {
  it('runs the handlers of an event one after the other, in the order they were added, and resolves after the last', async () => {
    const events = new ChatEvents();
    const seen: string[] = [];
    events.on('member.left', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push('first');
    });
    events.on('member.left', () => void seen.push('second'));
    events.on('member.joined', () => void seen.push('other event'));
    await events.emit({ type: 'member.left', roomId: 'r', uid: 'ann' });
    expect(seen).toEqual(['first', 'second']);
  });

  it("fails the emit with a handler's error, as a direct call would", async () => {
    const events = new ChatEvents();
    events.on('room.closed', () => {
      throw new Error('fan-out down');
    });
    await expect(events.emit({ type: 'room.closed', roomId: 'r' })).rejects.toThrow('fan-out down');
  });

  it('is a no-op for an event nobody handles', async () => {
    await expect(new ChatEvents().emit({ type: 'room.closed', roomId: 'r' })).resolves.toBeUndefined();
  });
});
