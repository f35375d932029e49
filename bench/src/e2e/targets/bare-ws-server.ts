/**
 * The baseline: a bare Node `ws` server speaking only the STOMP the load generator uses.
 * CONNECT → CONNECTED; SUBSCRIBE records the destination; a SEND to `/chat/pub/send` becomes
 * the chat line the product would store, encoded with the product's own frame encoder, and one
 * Buffer is written to every subscriber of the room, as the product does; receipts are
 * answered. No auth, no store, no presence: what is left is the cost of the sockets.
 * Run as a child process: `node bare-ws-server.js <port>`; it sends 'listening' over IPC.
 */
import { createServer } from 'node:http';
import { encodeFrame } from '@playlist-chat/stomp';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseFrames, text } from '../stomp-wire';

const subscribers = new Map<string, Map<WebSocket, string>>();
let messageIds = 0;
let lineIds = 0;

function receipt(ws: WebSocket, headers: Record<string, string>): void {
  if (headers.receipt) ws.send(encodeFrame('RECEIPT', { 'receipt-id': headers.receipt }));
}

function publish(roomId: string, body: { content: string; clientMessageId: string }, uid: string): void {
  const destination = `/chat/topic/room/${roomId}`;
  const room = subscribers.get(destination);
  if (!room) return;
  const line = JSON.stringify({
    type: 'TALK',
    roomId,
    messageId: `01${String(++lineIds).padStart(24, '0')}`,
    clientMessageId: body.clientMessageId,
    sender: { uid, nickName: uid, profileImage: null },
    content: body.content,
    createdAt: new Date().toISOString(),
  });
  const messageId = `bare-${++messageIds}`;
  const frames = new Map<string, Buffer>(); // one Buffer per subscription id, shared by every socket using it
  for (const [ws, subscription] of room) {
    let bytes = frames.get(subscription);
    if (!bytes) {
      bytes = encodeFrame(
        'MESSAGE',
        { subscription, 'message-id': messageId, destination, 'content-type': 'application/json' },
        line,
      );
      frames.set(subscription, bytes);
    }
    ws.send(bytes);
  }
}

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
          if (frame.headers.destination === '/chat/pub/send') {
            const body = JSON.parse(frame.body) as {
              roomId: string;
              content: string;
              clientMessageId: string;
            };
            publish(body.roomId, body, uid);
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
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('listening'));
