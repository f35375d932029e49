import { webSocketFrame } from '@playlist-chat/stomp';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';

/** ws's own framing of a server message (unmasked, FIN), the reference for ours. */
function wsFrame(payload: Buffer, binary: boolean): Buffer {
  // ws exports Sender (its framing, documented public); @types/ws does not declare it.
  const sender = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;
  return Buffer.concat(
    sender.frame(payload, { fin: true, opcode: binary ? 2 : 1, mask: false, readOnly: true, rsv1: false }),
  );
}

describe('webSocketFrame', () => {
  it('frames like ws at every length encoding boundary, text and binary', () => {
    for (const size of [0, 1, 125, 126, 127, 65_535, 65_536, 100_000]) {
      const payload = Buffer.alloc(size, size % 251);
      for (const binary of [false, true]) {
        expect(webSocketFrame([payload], binary).equals(wsFrame(payload, binary)), `${size} ${binary}`).toBe(
          true,
        );
      }
    }
  });

  it('joins the parts of a payload in order', () => {
    const parts = [Buffer.from('MESSAGE\n'), Buffer.from('subscription:s\n'), Buffer.from('\n\0')];
    expect(webSocketFrame(parts, false).equals(wsFrame(Buffer.concat(parts), false))).toBe(true);
  });
});
