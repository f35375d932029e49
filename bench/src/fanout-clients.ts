/**
 * Child process of the fan-out benchmark: holds the subscriber sockets so that receiving runs
 * on its own core, apart from the server being measured. Driven over IPC by `fanout.ts`.
 */
import WebSocket from 'ws';

export type ClientCommand =
  | {
      kind: 'open';
      name: string;
      url: string;
      sockets: number;
      stomp: boolean;
      distinctIds: boolean;
      destination: string;
    }
  | { kind: 'expect'; name: string; messages: number }
  | { kind: 'close' };

export type ClientReport =
  | { kind: 'opened'; name: string }
  | { kind: 'armed'; name: string }
  | { kind: 'received'; name: string; messages: number }
  | { kind: 'failed'; error: string };

interface Group {
  sockets: WebSocket[];
  received: number;
  target: number;
}

const groups = new Map<string, Group>();
const report = (message: ClientReport) => process.send?.(message);

async function open(command: Extract<ClientCommand, { kind: 'open' }>): Promise<void> {
  const group: Group = { sockets: [], received: 0, target: Infinity };
  groups.set(command.name, group);
  const connectOne = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(command.url, command.stomp ? ['v12.stomp'] : [], {
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      ws.binaryType = 'nodebuffer';
      let ready = !command.stomp;
      ws.on('message', (data: Buffer) => {
        // Minimal parse: every MESSAGE frame arrives as one WebSocket message starting with 'M'.
        if (data[0] === 0x4d) {
          group.received += 1;
          if (group.received === group.target)
            report({ kind: 'received', name: command.name, messages: group.received });
        } else if (!ready && data.includes('RECEIPT')) {
          ready = true;
          resolve();
        }
      });
      ws.once('open', () => {
        if (command.stomp) {
          const id = command.distinctIds ? `sub-${i}` : 'sub-0';
          ws.send(
            `CONNECT\naccept-version:1.2\nhost:bench\nheart-beat:0,0\n\n\0SUBSCRIBE\nid:${id}\ndestination:${command.destination}\nreceipt:ready\n\n\0`,
          );
        } else {
          resolve();
        }
      });
      ws.once('error', reject);
      group.sockets.push(ws);
    });
  for (let i = 0; i < command.sockets; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, command.sockets - i) }, (_, j) => connectOne(i + j)));
  }
  report({ kind: 'opened', name: command.name });
}

process.on('message', (command: ClientCommand) => {
  if (command.kind === 'open') {
    open(command).catch((error: unknown) => report({ kind: 'failed', error: String(error) }));
  } else if (command.kind === 'expect') {
    const group = groups.get(command.name)!;
    group.received = 0;
    group.target = command.messages;
    report({ kind: 'armed', name: command.name });
  } else {
    for (const group of groups.values()) for (const ws of group.sockets) ws.terminate();
    process.exit(0);
  }
});
