import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer } from './support/chat-server';

/** How /ws-chat labels the body of its ERROR frames (docs/asyncapi.yaml: bodies are JSON). */
describe('ERROR bodies of /ws-chat', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  it('labels the field errors of a refused SEND application/json', async () => {
    const owner = await chat.user();
    const client = await chat.connect(owner);
    await expect(client.send('/chat/pub/send', { roomId: 'nope' })).rejects.toThrow(/^invalid-payload:/);
    await client.closed;
    const error = client.errors[0];
    expect(error.headers.code).toBe('invalid-payload');
    expect(error.headers['content-type']).toBe('application/json');
    expect(JSON.parse(error.body)).toEqual({ errors: expect.any(Array) });
  });
});
