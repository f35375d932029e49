import { externalService } from '@playlist-chat/platform/testing';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aMessage, messageStoreContract } from './message-store.contract';
import { MongoMessageStore } from '../../src/message-store/message-store.mongo';
import { messageModel } from '../../src/message-store/message-store.schema.mongo';
import { MongoConnection } from '../../src/storage/connection.mongo';
import { mongoFixture } from './mongo-fixture';

const url = externalService('MONGO_URL', 'MessageStore contract: mongo');

describe.skipIf(!url)('MongoDB message store', () => {
  messageStoreContract(
    'mongo',
    mongoFixture(url ?? '', (connection) => MongoMessageStore.open(connection)),
  );

  it('brings the words of lines stored before CJK search up to date when it opens', async () => {
    const dbName = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const connection = await MongoConnection.open(url ?? '', { dbName, serverSelectionTimeoutMs: 5_000 });
    try {
      const nfd = '음악을 좋아해요'.normalize('NFD');
      // As the store wrote them before: the words of the content NFD without marks, a CJK run one word.
      const before = [
        { n: 1, content: '我爱音乐', words: ['我爱音乐'] },
        { n: 2, content: nfd, words: [...new Set(nfd.split(' '))] },
        { n: 3, content: 'ﬁne tuning', words: ['ﬁne', 'tuning'] },
        { n: 4, content: 'plain ascii', words: ['plain', 'ascii'] },
      ];
      await messageModel(connection.connection).insertMany(
        before.map(({ n, content, words }) => {
          const line = aMessage('r', n, { content });
          return {
            _id: line.messageId,
            roomId: line.roomId,
            clientMessageId: line.clientMessageId ?? undefined,
            type: line.type,
            sender: line.sender,
            content,
            createdAt: line.createdAt,
            words,
            seq: n,
          };
        }),
      );
      const store = await MongoMessageStore.open(connection);
      const find = async (query: string) =>
        (await store.search('r', query, null, 10)).items.map((message) => message.content);
      expect(await find('音乐')).toEqual(['我爱音乐']);
      expect(await find('음악')).toEqual([nfd]);
      expect(await find('fine')).toEqual(['ﬁne tuning']);
      expect(await find('ascii')).toEqual(['plain ascii']);
      await connection.connection.dropDatabase();
      await store.close();
    } finally {
      await connection.close();
    }
  });
});
