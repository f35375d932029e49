const FIN = 0x80;
const TEXT_OPCODE = 0x1;
const BINARY_OPCODE = 0x2;

/**
 * One whole WebSocket data frame as a server sends it (RFC 6455 §5.2): FIN set, a text or binary
 * opcode, no mask, the payload's length in 7, 7+16 or 7+64 bits, then the payload. Made once
 * per shared MESSAGE, so delivering it is a single `socket.write` of one buffer instead of ws
 * framing it again for every subscriber (a header buffer, cork, two writes, uncork, `writev`).
 */
export function webSocketFrame(payload: readonly Buffer[], binary: boolean): Buffer {
  let length = 0;
  for (const part of payload) length += part.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN | (binary ? BINARY_OPCODE : TEXT_OPCODE);
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = headerLength;
  for (const part of payload) offset += part.copy(frame, offset);
  return frame;
}
