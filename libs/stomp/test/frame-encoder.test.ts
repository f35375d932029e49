import { encodeFrame, encodeMessagePrefix, MessageTemplate } from '@playlist-chat/stomp';
import { describe, expect, it } from 'vitest';

const text = (buffer: Buffer) => buffer.toString('utf8');

describe('encodeFrame', () => {
  it('writes command, headers, content-length for a body, and the NUL', () => {
    expect(text(encodeFrame('ERROR', { message: 'bad', code: 'x' }, 'details'))).toBe(
      'ERROR\nmessage:bad\ncode:x\ncontent-length:7\n\ndetails\0',
    );
    expect(text(encodeFrame('RECEIPT', { 'receipt-id': '7' }))).toBe('RECEIPT\nreceipt-id:7\n\n\0');
  });

  it('escapes per version, and never in CONNECTED', () => {
    const headers = { 'k:1': 'a:b\nc\\d\re' };
    expect(text(encodeFrame('RECEIPT', headers, '', '1.2'))).toBe('RECEIPT\nk\\c1:a\\cb\\nc\\\\d\\re\n\n\0');
    expect(text(encodeFrame('RECEIPT', headers, '', '1.1'))).toBe('RECEIPT\nk\\c1:a\\cb\\nc\\\\d e\n\n\0');
    expect(text(encodeFrame('RECEIPT', headers, '', '1.0'))).toBe('RECEIPT\nk:1:a:b c\\d e\n\n\0');
    expect(text(encodeFrame('CONNECTED', { server: 'a:b' }, '', '1.2'))).toBe('CONNECTED\nserver:a:b\n\n\0');
  });

  it('counts content-length in bytes, not characters', () => {
    expect(text(encodeFrame('ERROR', { message: 'm' }, '정'))).toBe(
      'ERROR\nmessage:m\ncontent-length:3\n\n정\0',
    );
  });
});

describe('MessageTemplate (fan-out encoding)', () => {
  const target = (id: string, version: '1.2' | '1.1' | '1.0' = '1.2') => ({
    version,
    messagePrefix: encodeMessagePrefix(id, version),
    prefixKey: `${version}\n${id}`,
  });

  it('builds MESSAGE with subscription, message-id, destination, content-type, content-length and extra headers', () => {
    const template = new MessageTemplate('/topic/r:1', 'm-1', {
      body: '{"a":1}',
      headers: { 'x-seq': '5', subscription: 'ignored' },
    });
    expect(text(template.frameFor(target('sub-0')))).toBe(
      'MESSAGE\nsubscription:sub-0\nmessage-id:m-1\ndestination:/topic/r\\c1\ncontent-type:application/json\ncontent-length:7\nx-seq:5\n\n{"a":1}\0',
    );
    expect(text(template.frameFor(target('s:2', '1.0')))).toBe(
      'MESSAGE\nsubscription:s:2\nmessage-id:m-1\ndestination:/topic/r:1\ncontent-type:application/json\ncontent-length:7\nx-seq:5\n\n{"a":1}\0',
    );
  });

  it('hands subscribers with the same id the same bytes, and others their own prefix', () => {
    const template = new MessageTemplate('/t', 'm-2', { body: 'hi' });
    const a = template.frameFor(target('sub-0'));
    expect(template.frameFor(target('sub-0'))).toBe(a);
    expect(text(template.frameFor(target('sub-1')))).toBe(
      'MESSAGE\nsubscription:sub-1\nmessage-id:m-2\ndestination:/t\ncontent-type:text/plain\ncontent-length:2\n\nhi\0',
    );
  });

  it('adds an ack header for client acknowledgement modes', () => {
    const template = new MessageTemplate('/t', 'm-3', { body: Buffer.from([0xff, 0x00]) });
    expect(template.binary).toBe(true);
    expect(template.frameWithAck(target('s'), '42').toString('latin1')).toBe(
      'MESSAGE\nsubscription:s\nack:42\nmessage-id:m-3\ndestination:/t\ncontent-type:application/octet-stream\ncontent-length:2\n\n\xff\x00\0',
    );
  });
});
