/**
 * The baseline: a bare Node `ws` server speaking only the STOMP the load generator uses.
 * CONNECT → CONNECTED; SUBSCRIBE records the destination; a SEND to `/chat/pub/send` becomes
 * the chat line the product would store, encoded with the product's own frame encoder, and one
 * Buffer is written to every subscriber of the room, as the product does; receipts are
 * answered. No auth, no store, no presence: what is left is the cost of the sockets.
 *
 * With a data folder (`bare-ws-stored`), each line is first appended through the chat server's
 * own SQLite message store, opened with the product's default settings (one commit per line,
 * with the sender's read position, as the product's). A SEND to `/chat/pub/join` makes its
 * sender a member through the room store, creating the room on the first one (setup, not
 * measured), as the product's join does for senders and subscribers alike. The RECEIPT follows
 * the commit and the fan-out, as in the product. What is left is the sockets plus the durable
 * store: the floor of a design that stores each line before it is delivered.
 *
 * Run as a child process: `node bare-ws-server.js <port> [<data folder>]`; it sends 'listening'
 * over IPC.
 */
import { createServer } from 'node:http';
import { encodeFrame } from '@playlist-chat/stomp';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StoredMessage } from '../../../../chat-server/src/message-store/message.model';
import type { MessageStore } from '../../../../chat-server/src/message-store/message-store.port';
import type { RoomStore } from '../../../../chat-server/src/room-store/room-store.port';
import { openMessageStore, openRoomStore, openSqliteConnection } from '../../chat-stores';
import { parseFrames, text } from '../stomp-wire';

const subscribers = new Map<string, Map<WebSocket, string>>();
let messageIds = 0;
let lineIds = 0;

function receipt(ws: WebSocket, headers: Record<string, string>): void {
  if (headers.receipt) ws.send(encodeFrame('RECEIPT', { 'receipt-id': headers.receipt }));
}

function lineOf(
  roomId: string,
  body: { content: string; clientMessageId: string },
  uid: string,
): StoredMessage {
  return {
    type: 'TALK',
    roomId,
    // Time-ordered, as the product's ids are: the store keeps a room's ids increasing.
    messageId: `${Date.now().toString(16).padStart(12, '0')}${(++lineIds).toString(16).padStart(14, '0')}`,
    clientMessageId: body.clientMessageId,
    sender: { uid, nickName: uid, profileImage: null },
    content: body.content,
    createdAt: new Date(),
  };
}

function publish(line: StoredMessage): void {
  const destination = `/chat/topic/room/${line.roomId}`;
  const room = subscribers.get(destination);
  if (!room) return;
  const json = JSON.stringify({ ...line, createdAt: line.createdAt.toISOString() });
  const messageId = `bare-${++messageIds}`;
  const frames = new Map<string, Buffer>(); // one Buffer per subscription id, shared by every socket using it
  for (const [ws, subscription] of room) {
    let bytes = frames.get(subscription);
    if (!bytes) {
      bytes = encodeFrame(
        'MESSAGE',
        { subscription, 'message-id': messageId, destination, 'content-type': 'application/json' },
        json,
      );
      frames.set(subscription, bytes);
    }
    ws.send(bytes);
  }
}

/** The chat server's SQLite stores when a data folder is given; null for the bare baseline. */
type Stores = { rooms: RoomStore; messages: MessageStore };

async function openStores(dataDir: string | undefined): Promise<Stores | null> {
  if (dataDir === undefined) return null;
  // The product's own way from settings to stores: the same connection, cache and checkpoint thread.
  const connection = await openSqliteConnection(dataDir);
  return { rooms: await openRoomStore(connection), messages: await openMessageStore(connection) };
}

const MAX_ROOMS_PER_MEMBER = 1_000;
/** Rooms created here: the store's calls run when made, so a second subscriber finds the row. */
const storedRooms = new Set<string>();

/** Makes `uid` a member of the room, creating the room on its first member (setup). */
async function joinStored(stores: Stores, roomId: string, uid: string): Promise<void> {
  const now = new Date();
  if (!storedRooms.has(roomId)) {
    storedRooms.add(roomId);
    await stores.rooms.create({
      id: roomId,
      roomName: 'bare',
      ownerUid: uid,
      playlist: { id: `bare-${roomId}`, name: 'bare', musics: [] },
      users: {},
      createdAt: now,
      lastActivityAt: now,
      closedAt: null,
    });
  }
  const member = { uid, nickName: uid, profileImage: null, enteredAt: now };
  await stores.rooms.join(roomId, member, MAX_ROOMS_PER_MEMBER);
}

/** A store failure ends the baseline loudly: its figures would mean nothing. */
function fail(error: unknown): never {
  console.error('bare ws server:', error);
  process.exit(1);
}

function serve(port: number, stores: Stores | null): void {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, handleProtocols: () => 'v12.stomp' });
  wss.on('connection', (ws) => {
    let uid = 'anonymous';
    const mine = new Set<string>();
    ws.on('message', (data) => {
      for (const frame of parseFrames(text(data))) {
        switch (frame.command) {
          case 'CONNECT':
          case 'STOMP':
            uid = frame.headers.login ?? uid;
            ws.send(encodeFrame('CONNECTED', { version: '1.2', 'heart-beat': '0,0' }));
            break;
          case 'SUBSCRIBE': {
            const destination = frame.headers.destination;
            const room = subscribers.get(destination) ?? new Map<WebSocket, string>();
            room.set(ws, frame.headers.id);
            subscribers.set(destination, room);
            mine.add(destination);
            receipt(ws, frame.headers);
            break;
          }
          case 'SEND':
            if (stores && frame.headers.destination === '/chat/pub/join') {
              const { roomId } = JSON.parse(frame.body) as { roomId: string };
              joinStored(stores, roomId, uid).then(() => receipt(ws, frame.headers), fail);
              break;
            }
            if (frame.headers.destination === '/chat/pub/send') {
              const body = JSON.parse(frame.body) as {
                roomId: string;
                content: string;
                clientMessageId: string;
              };
              const line = lineOf(body.roomId, body, uid);
              if (stores) {
                // The store's work is synchronous; its promise settles in order, line after line.
                stores.messages.append(line).then(({ message }) => {
                  publish(message);
                  receipt(ws, frame.headers);
                }, fail);
                break;
              }
              publish(line);
            }
            receipt(ws, frame.headers);
            break;
          case 'DISCONNECT':
            receipt(ws, frame.headers);
            ws.close();
            break;
          default:
            receipt(ws, frame.headers);
        }
      }
    });
    ws.on('close', () => {
      for (const destination of mine) subscribers.get(destination)?.delete(ws);
    });
  });
  server.listen(port, '127.0.0.1', () => process.send?.('listening'));
}

openStores(process.argv[3]).then((stores) => serve(Number(process.argv[2]), stores), fail);
