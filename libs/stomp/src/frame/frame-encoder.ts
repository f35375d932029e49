import { EMPTY_BODY, isUnescapedCommand, type StompVersion } from './frame';
import { escapeHeader } from './header-escape';

/**
 * Encodes one frame for a session of `version`: headers escaped per version (never for
 * CONNECTED), `content-length` added whenever there is a body, NUL terminator appended.
 * Header order is the object's insertion order.
 */
export function encodeFrame(
  command: string,
  headers: Readonly<Record<string, string>>,
  body: Buffer | string = EMPTY_BODY,
  version: StompVersion = '1.2',
): Buffer {
  const mode = isUnescapedCommand(command) ? 'none' : version;
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let head = `${command}\n`;
  for (const name of Object.keys(headers)) {
    if (name === 'content-length') continue;
    head += `${escapeHeader(name, mode)}:${escapeHeader(headers[name], mode)}\n`;
  }
  if (bodyBytes.length > 0) head += `content-length:${bodyBytes.length}\n`;
  head += '\n';
  const headLength = Buffer.byteLength(head, 'utf8');
  const frame = Buffer.allocUnsafe(headLength + bodyBytes.length + 1);
  frame.write(head, 0, 'utf8');
  bodyBytes.copy(frame, headLength);
  frame[frame.length - 1] = 0;
  return frame;
}

/** A heart-beat: one EOL. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from('\n');
