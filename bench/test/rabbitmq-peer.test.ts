import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitUnavailable, running, startRabbitWebStomp, type RabbitWebStomp } from '../src/peers/rabbitmq';

const unavailable = rabbitUnavailable();
if (unavailable) console.log(`[skip] RabbitMQ Web-STOMP peer: ${unavailable}`);

/** Frames as they arrive on one STOMP-over-WebSocket connection. */
function frames(socket: WebSocket): (command: string) => Promise<string> {
  const received: string[] = [];
  const waiting: Array<{ command: string; resolve: (frame: string) => void }> = [];
  socket.on('message', (data) => {
    const frame = (data as Buffer).toString();
    const index = waiting.findIndex((w) => frame.startsWith(`${w.command}\n`));
    if (index >= 0) waiting.splice(index, 1)[0].resolve(frame);
    else received.push(frame);
  });
  return (command) => {
    const index = received.findIndex((f) => f.startsWith(`${command}\n`));
    if (index >= 0) return Promise.resolve(received.splice(index, 1)[0]);
    return new Promise((resolve) => waiting.push({ command, resolve }));
  };
}

describe.skipIf(unavailable !== null)('RabbitMQ Web-STOMP peer (private node)', () => {
  let peer: RabbitWebStomp;

  beforeAll(async () => {
    peer = await startRabbitWebStomp();
  }, 120_000);

  afterAll(async () => {
    if (peer) await peer.stop();
  }, 60_000);

  it('reports the Erlang VM as its pid', () => {
    expect(running(peer.pid)).toBe(true);
    expect(readFileSync(`/proc/${peer.pid}/stat`, 'utf8')).toContain('(beam.smp)');
  });

  it('delivers a SEND on /topic/x to a subscriber as a MESSAGE', async () => {
    const socket = new WebSocket(peer.wsUrl, ['v12.stomp']);
    const next = frames(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${peer.login}\npasscode:${peer.passcode}\n\n\0`);
    expect(await next('CONNECTED')).toMatch(/^CONNECTED\n/);
    socket.send('SUBSCRIBE\nid:s1\ndestination:/topic/x\nreceipt:r1\n\n\0');
    expect(await next('RECEIPT')).toContain('receipt-id:r1');
    socket.send('SEND\ndestination:/topic/x\ncontent-type:text/plain\n\nhello peer\0');
    const message = await next('MESSAGE');
    expect(message).toContain('subscription:s1');
    expect(message).toContain('\n\nhello peer\0');
    socket.close();
  });

  it('stop() ends the node and removes its files', async () => {
    const pid = peer.pid;
    const stopped = peer;
    peer = undefined as unknown as RabbitWebStomp;
    await stopped.stop();
    expect(running(pid)).toBe(false);
  }, 60_000);
});
