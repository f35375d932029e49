import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_LIMITS, FrameParser } from '@playlist-chat/stomp';
import { describe, expect, it } from 'vitest';
import { parse, parseChunks, view } from './support/parse';

const frame = (command: string, headers: Record<string, string>, body = '') => ({ command, headers, body });

describe('FrameParser', () => {
  it('parses command, headers and a body that runs to the first NUL', () => {
    expect(view(parse('SEND\ndestination:/a\nx:1\n\nhello\0'))).toEqual([
      frame('SEND', { destination: '/a', x: '1' }, 'hello'),
    ]);
  });

  it('accepts CRLF as EOL in command and header lines', () => {
    expect(view(parse('SEND\r\ndestination:/a\r\n\r\nbody\0'))).toEqual([
      frame('SEND', { destination: '/a' }, 'body'),
    ]);
  });

  it('reads exactly content-length bytes, NULs included', () => {
    expect(view(parse('SEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0'))).toEqual([
      frame('SEND', { destination: '/a', 'content-length': '5' }, 'a\0b\0c'),
    ]);
  });

  it('refuses a content-length body not followed by NUL', () => {
    expect(view(parse('SEND\ncontent-length:2\n\nabc\0'))).toEqual([{ error: 'missing-frame-terminator' }]);
  });

  it('refuses a content-length that is not a non-negative integer', () => {
    expect(view(parse('SEND\ncontent-length:-1\n\n\0'))).toEqual([{ error: 'invalid-content-length' }]);
    expect(view(parse('SEND\ncontent-length:1e3\n\n\0'))).toEqual([{ error: 'invalid-content-length' }]);
  });

  it('keeps the first of repeated headers', () => {
    expect(view(parse('MESSAGE\nfoo:first\nfoo:second\n\n\0'))).toEqual([frame('MESSAGE', { foo: 'first' })]);
  });

  it('reports EOLs between frames as heart-beats (LF and CRLF)', () => {
    expect(view(parse('\n\r\nSEND\n\n\0\n\nDISCONNECT\n\n\0\r\n'))).toEqual([
      'heartbeat',
      'heartbeat',
      frame('SEND', {}),
      'heartbeat',
      'heartbeat',
      frame('DISCONNECT', {}),
      'heartbeat',
    ]);
  });

  it('keeps a value that contains a colon whole (split at the first colon only)', () => {
    expect(view(parse('SEND\nurl:http://x:1/a\n\n\0', { version: '1.0' }))).toEqual([
      frame('SEND', { url: 'http://x:1/a' }),
    ]);
  });

  describe('header escaping', () => {
    const escaped = 'SEND\nk\\cey:a\\cb\\nc\\\\d\\re\n\n\0';
    it('STOMP 1.2 decodes \\r \\n \\c \\\\ in names and values', () => {
      expect(view(parse(escaped, { version: '1.2' }))).toEqual([frame('SEND', { 'k:ey': 'a:b\nc\\d\re' })]);
    });
    it('STOMP 1.1 decodes \\n \\c \\\\ and refuses \\r', () => {
      expect(view(parse('SEND\nk\\cey:a\\cb\\nc\\\\d\n\n\0', { version: '1.1' }))).toEqual([
        frame('SEND', { 'k:ey': 'a:b\nc\\d' }),
      ]);
      expect(view(parse(escaped, { version: '1.1' }))).toEqual([{ error: 'invalid-escape' }]);
    });
    it('STOMP 1.0 decodes nothing', () => {
      expect(view(parse(escaped, { version: '1.0' }))).toEqual([
        frame('SEND', { 'k\\cey': 'a\\cb\\nc\\\\d\\re' }),
      ]);
    });
    it('never decodes CONNECT or CONNECTED headers', () => {
      expect(view(parse('CONNECT\nlogin:a\\cb\\t\n\n\0', { version: '1.2' }))).toEqual([
        frame('CONNECT', { login: 'a\\cb\\t' }),
      ]);
      expect(view(parse('CONNECTED\nserver:x\\c\n\n\0', { version: '1.2' }))).toEqual([
        frame('CONNECTED', { server: 'x\\c' }),
      ]);
    });
    it('refuses an undefined escape and a trailing backslash', () => {
      expect(view(parse('SEND\nk:a\\tb\n\n\0'))).toEqual([{ error: 'invalid-escape' }]);
      expect(view(parse('SEND\nk:ab\\\n\n\0'))).toEqual([{ error: 'invalid-escape' }]);
    });
  });

  it('refuses what the header grammar excludes: a raw CR, an empty name, bytes that are not UTF-8', () => {
    expect(view(parse('SEND\nk:a\rb\n\n\0'))).toEqual([{ error: 'malformed-header' }]);
    expect(view(parse('SEND\n:v\n\n\0'))).toEqual([{ error: 'malformed-header' }]);
    const notUtf8 = Buffer.concat([Buffer.from('SEND\nk:a'), Buffer.from([0xff]), Buffer.from('\n\n\0')]);
    expect(view(parse(notUtf8))).toEqual([{ error: 'malformed-header' }]);
    expect(view(parse('SEND\nk:a\uFFFDb\n\n\0'))).toEqual([frame('SEND', { k: 'a\uFFFDb' })]);
  });

  it('decodes a repeated header too: its undefined escape is fatal though its value is dropped', () => {
    expect(view(parse('SEND\nk:ok\nk:a\\tb\n\n\0'))).toEqual([{ error: 'invalid-escape' }]);
  });

  it('decodes UTF-8 headers and bodies', () => {
    expect(view(parse('SEND\nnick:정국\n\n☕\0')).map((f) => JSON.stringify(f))).toEqual([
      JSON.stringify(frame('SEND', { nick: '정국' }, Buffer.from('☕').toString('latin1'))),
    ]);
  });

  it('gives the same result however the input is split, down to single bytes', () => {
    const input = Buffer.from(
      '\nCONNECT\naccept-version:1.2\n\n\0SEND\r\ndestination:/q\r\ncontent-length:3\r\n\r\na\0b\0\nSEND\nx:y\n\nrest\0',
    );
    const whole = view(parseChunks([input]));
    expect(whole).toHaveLength(5);
    const bytes = [...input].map((b) => Buffer.from([b]));
    expect(view(parseChunks(bytes))).toEqual(whole);
    for (let cut = 1; cut < input.length; cut += 1) {
      expect(view(parseChunks([input.subarray(0, cut), input.subarray(cut)]))).toEqual(whole);
    }
  });

  it('refuses a line without a colon, and a NUL inside the headers', () => {
    expect(view(parse('SEND\nnocolon\n\n\0'))).toEqual([{ error: 'malformed-header' }]);
    expect(view(parse('SEND\ndestination:/a\0'))).toEqual([{ error: 'malformed-frame' }]);
  });

  it('stops at the first error and ignores what follows', () => {
    expect(view(parseChunks([Buffer.from('SEND\n\nok\0BAD\nx\n\n\0'), Buffer.from('SEND\n\n\0')]))).toEqual([
      frame('SEND', {}, 'ok'),
      { error: 'malformed-header' },
    ]);
  });

  describe('limits, enforced before the frame is complete', () => {
    const limits = { maxFrameBytes: 100, maxHeaders: 3, maxHeaderLineBytes: 20, maxBodyBytes: 50 };
    it('header count', () => {
      expect(view(parse('SEND\na:1\nb:2\nc:3\n\n\0', { limits }))).toEqual([
        frame('SEND', { a: '1', b: '2', c: '3' }),
      ]);
      expect(view(parse('SEND\na:1\nb:2\nc:3\nd:4\n', { limits }))).toEqual([{ error: 'too-many-headers' }]);
    });
    it('header line length, also when the line has not ended yet', () => {
      expect(view(parse(`SEND\nk:${'x'.repeat(18)}\n\n\0`, { limits }))).toEqual([
        frame('SEND', { k: 'x'.repeat(18) }),
      ]);
      expect(view(parse(`SEND\nk:${'x'.repeat(19)}`, { limits }))).toEqual([
        { error: 'header-line-too-long' },
      ]);
      expect(view(parse(`${'X'.repeat(21)}`, { limits }))).toEqual([{ error: 'header-line-too-long' }]);
    });
    it('body size by content-length, before the body arrives', () => {
      expect(view(parse('SEND\ncontent-length:51\n\n', { limits }))).toEqual([{ error: 'body-too-large' }]);
    });
    it('body size without content-length, as bytes arrive', () => {
      expect(view(parse(`SEND\n\n${'b'.repeat(50)}\0`, { limits }))).toHaveLength(1);
      expect(view(parse(`SEND\n\n${'b'.repeat(51)}`, { limits }))).toEqual([{ error: 'body-too-large' }]);
    });
    it('whole frame size', () => {
      const headers = 'SEND\na:1234567890123456\nb:1234567890123456\nc:1234567890123456\n\n'; // 61 bytes
      expect(view(parse(`${headers}${'b'.repeat(38)}\0`, { limits }))).toHaveLength(1);
      expect(view(parse(`${headers}${'b'.repeat(39)}`, { limits }))).toEqual([{ error: 'frame-too-large' }]);
      expect(
        view(
          parse(`${headers.replace('\n\n', '\ncontent-length:39\n\n')}`, {
            limits: { ...limits, maxHeaders: 4 },
          }),
        ),
      ).toEqual([{ error: 'frame-too-large' }]);
    });
  });

  describe('what it keeps between frames', () => {
    it('nothing of the last frame: its headers are the sink’s alone once handed over', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      let lastHeaders: WeakRef<object> | undefined;
      const parser = new FrameParser(
        {
          frame: (frame) => (lastHeaders = new WeakRef(frame.headers)),
          heartbeat: () => {},
          error: () => {},
        },
        DEFAULT_LIMITS,
      );
      parser.push(Buffer.from('SUBSCRIBE\nid:sub-0\ndestination:/topic/room.1\nreceipt:r-1\n\n\0'));
      await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the job that made it ends
      gc();
      expect(lastHeaders?.deref()).toBeUndefined();
      parser.push(Buffer.from('\n')); // the parser itself lives on, as an idle session's does
    });

    const large = `SEND\ndestination:/a\n\n${'x'.repeat(60 * 1024)}\0`;

    function collecting(): { parser: FrameParser; bodies: string[] } {
      const bodies: string[] = [];
      const parser = new FrameParser(
        { frame: (frame) => bodies.push(frame.body.toString()), heartbeat: () => {}, error: () => {} },
        DEFAULT_LIMITS,
      );
      return { parser, bodies };
    }

    it('only the unfinished frame, not the room a large frame before it needed', () => {
      const { parser, bodies } = collecting();
      parser.push(Buffer.from(large.slice(0, 30 * 1024)));
      parser.push(Buffer.from(`${large.slice(30 * 1024)}SEND\ndest`));
      expect(bodies).toHaveLength(1);
      expect(parser.bufferedBytes).toBe(9);
      expect(parser.retainedBytes).toBeLessThanOrEqual(1024);
      parser.push(Buffer.from('ination:/b\n\nok\0'));
      expect(bodies[1]).toBe('ok');
      expect(parser.retainedBytes).toBe(0);
    });

    it('only the unfinished frame, not the rest of the chunk it came in', () => {
      const { parser, bodies } = collecting();
      parser.push(Buffer.from(`${large}SEND\ndest`));
      expect(bodies).toHaveLength(1);
      expect(parser.retainedBytes).toBeLessThanOrEqual(1024);
      parser.push(Buffer.from('ination:/b\n\nok\0'));
      expect(bodies[1]).toBe('ok');
    });

    it('no more room than the largest frame allowed while one grows', () => {
      const { parser, bodies } = collecting();
      for (let at = 0; at < large.length; at += 7_000) parser.push(Buffer.from(large.slice(at, at + 7_000)));
      expect(bodies).toHaveLength(1);
      parser.push(Buffer.from(large.slice(0, 40 * 1024)));
      parser.push(Buffer.from(large.slice(40 * 1024, -1)));
      expect(parser.retainedBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.maxFrameBytes);
    });
  });
});
