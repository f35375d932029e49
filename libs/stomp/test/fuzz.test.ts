import { encodeFrame, FrameParser, type StompVersion } from '@playlist-chat/stomp';
import { expectEventually } from '@playlist-chat/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client';
import { parseChunks, view, type Parsed } from './support/parse';
import { startTestApp, type TestApp } from './support/test-app';

const SMALL_LIMITS = { maxFrameBytes: 4096, maxHeaders: 16, maxHeaderLineBytes: 1024, maxBodyBytes: 1024 };

/** `bytes` cut at the given points (sorted, deduplicated, in range). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Every report is a frame or heart-beat, except possibly one error, which is last. */
function wellFormed(results: Parsed[]): boolean {
  const errors = results.filter((r) => 'error' in r);
  return errors.length === 0 || (errors.length === 1 && 'error' in results[results.length - 1]);
}

const COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
];
const HEADER_NAMES = [
  'destination',
  'id',
  'receipt',
  'ack',
  'transaction',
  'content-type',
  'content-length',
  'accept-version',
  'heart-beat',
  'x',
];
const DESTINATIONS = [
  '/app/record/fuzz',
  '/app/publish/fuzz',
  '/topic/fuzz',
  '/app/refuse',
  '/app/crash',
  '/app/json',
  '/user/queue/events',
  '/nowhere',
];

/** Frames that look like what clients send: known commands, headers and destinations, random values. */
const plausibleFrame = fc.record({
  command: fc.oneof(fc.constantFrom(...COMMANDS), fc.string({ maxLength: 8 })),
  headers: fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ maxLength: 6 })),
      fc.oneof(fc.constantFrom(...DESTINATIONS, '1', 'client', '0,0'), fc.string({ maxLength: 12 })),
    ),
    { maxLength: 6 },
  ),
  body: fc.uint8Array({ maxLength: 64 }),
  withLength: fc.boolean(),
});

function rawFrame(frame: {
  command: string;
  headers: [string, string][];
  body: Uint8Array;
  withLength: boolean;
}): Buffer {
  const lines = frame.headers.map(([k, v]) => `${k}:${v}\n`).join('');
  const length = frame.withLength ? `content-length:${frame.body.length}\n` : '';
  return Buffer.concat([
    Buffer.from(`${frame.command}\n${lines}${length}\n`),
    Buffer.from(frame.body),
    Buffer.from([0]),
  ]);
}

/** Random edits: flip, insert or delete bytes at random places. */
const mutations = fc.array(
  fc.tuple(fc.constantFrom('flip', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })),
  { maxLength: 6 },
);

function mutate(bytes: Buffer, edits: [string, number, number][]): Buffer {
  const out = [...bytes];
  for (const [kind, at, value] of edits) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === 'flip' && out.length > 0) out[i] = value;
    else if (kind === 'insert') out.splice(i, 0, value);
    else if (kind === 'delete') out.splice(i, 1);
  }
  return Buffer.from(out);
}

const stream = fc
  .tuple(
    fc.array(plausibleFrame, { maxLength: 5 }),
    fc.array(fc.constantFrom('\n', '\r\n'), { maxLength: 2 }),
    mutations,
  )
  .map(([frames, eols, edits]) =>
    mutate(Buffer.concat(frames.flatMap((f) => [rawFrame(f), Buffer.from(eols.join(''))])), edits),
  );

describe('parser fuzz (fast-check)', () => {
  it('never throws on random bytes split anywhere; ends in frames or one final error; never holds more than a frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
        const out: Parsed[] = [];
        const parser = new FrameParser(
          {
            frame: (frame) => out.push({ frame }),
            heartbeat: () => out.push({ heartbeat: true }),
            error: (error) => out.push({ error }),
          },
          SMALL_LIMITS,
        );
        for (const chunk of split(Buffer.from(bytes), cuts)) {
          parser.push(chunk);
          expect(parser.bufferedBytes).toBeLessThanOrEqual(SMALL_LIMITS.maxFrameBytes);
        }
        expect(wellFormed(out)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same result for plausible and mutated streams however they are split', () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.constantFrom<StompVersion>('1.0', '1.1', '1.2'),
        (bytes, cuts, version) => {
          const whole = parseChunks([bytes], { version, limits: SMALL_LIMITS });
          expect(wellFormed(whole)).toBe(true);
          expect(view(parseChunks(split(bytes, cuts), { version, limits: SMALL_LIMITS }))).toEqual(
            view(whole),
          );
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('parses what the encoder writes back to the same frame, for every version', () => {
    const versions = fc.constantFrom<StompVersion>('1.0', '1.1', '1.2');
    const frames = versions.chain((version) => {
      // What each version can express: 1.1 has no \r escape, 1.0 and CONNECT/CONNECTED no escapes at all.
      const command = fc.constantFrom('SEND', 'MESSAGE', 'ERROR', 'CONNECTED', 'RECEIPT');
      return command.chain((cmd) => {
        const plain = version === '1.0' || cmd === 'CONNECTED';
        const text = fc
          .string({ unit: 'grapheme', maxLength: 20 })
          .filter((s) => (plain ? !/[\r\n]/.test(s) : version === '1.1' ? !s.includes('\r') : true));
        // A header name is at least one octet (STOMP 1.2 grammar): an empty one is refused.
        const name = text.filter((s) => s !== '' && s !== 'content-length' && (!plain || !s.includes(':')));
        return fc.record({
          version: fc.constant(version),
          command: fc.constant(cmd),
          headers: fc.dictionary(name, text, { maxKeys: 8 }),
          body: fc.uint8Array({ maxLength: 200 }),
        });
      });
    });
    fc.assert(
      fc.property(frames, ({ version, command, headers, body }) => {
        const encoded = encodeFrame(command, headers, Buffer.from(body), version);
        const results = parseChunks([encoded], { version });
        expect(results).toHaveLength(1);
        const expected = {
          ...headers,
          ...(body.length > 0 ? { 'content-length': String(body.length) } : {}),
        };
        expect(view(results)).toEqual([
          { command, headers: expected, body: Buffer.from(body).toString('latin1') },
        ]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('live session fuzz (fast-check over real sockets)', () => {
  let app: TestApp;
  let bystander: RawClient;
  beforeAll(async () => {
    app = await startTestApp({ limits: SMALL_LIMITS });
    bystander = await RawClient.open(app.url);
    await bystander.connect();
  });
  afterAll(async () => {
    bystander.close();
    await app.close();
  });

  it('survives random and mutated streams split into random WebSocket messages; every session ends in ERROR or a clean DISCONNECT', async () => {
    // Whatever state the fuzz left the parser in, this ends it: a too-long line, or a body that
    // ends at the NUL (then DISCONNECT), or a content-length body without its NUL.
    const flush = Buffer.from(`${'x'.repeat(2048)}\0\nDISCONNECT\nreceipt:fuzz-end\n\n\0`);
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        stream,
        fc.array(fc.nat(), { maxLength: 12 }),
        async (connectFirst, bytes, cuts) => {
          round += 1;
          const client = await RawClient.open(app.url);
          if (connectFirst) client.send('CONNECT\naccept-version:1.2,1.1\nheart-beat:0,0\n\n\0');
          for (const chunk of split(bytes, cuts)) if (chunk.length > 0) client.send(chunk, round % 2 === 0);
          client.send(flush);
          await expectEventually(() => expect(client.isClosed).toBe(true));

          // What the server sent parses cleanly and ends with ERROR or the final RECEIPT.
          const received = parseChunks(
            client.messages.map((m) => m.data),
            { limits: { maxFrameBytes: 1 << 20, maxBodyBytes: 1 << 20 } },
          );
          expect(received.every((r) => !('error' in r))).toBe(true);
          const frames = received.flatMap((r) => ('frame' in r ? [r.frame] : []));
          const last = frames[frames.length - 1];
          const { code } = await client.closed;
          if (code === 1000) {
            // Ended by a DISCONNECT (the fuzz's own, or the final one with its RECEIPT): no ERROR.
            expect(frames.some((f) => f.command === 'ERROR')).toBe(false);
          } else {
            expect(last?.command).toBe('ERROR');
            expect(last.headers.message).toBeTruthy();
          }

          // Everyone else is still served.
          bystander.send(`SEND\ndestination:/app/record/bystander\nreceipt:alive-${round}\n\n\0`);
          await bystander.waitFor(`receipt-id:alive-${round}\n`);
        },
      ),
      { numRuns: 60 },
    );
    expect(bystander.isClosed).toBe(false);
    // 60 real sessions: ~5 s on an idle 2-core box, several times that when other suites load it.
  }, 120_000);
});
