/** Just enough STOMP 1.2 for a lean load client: build frames, split a WebSocket message into frames. */

export interface WireFrame {
  readonly command: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function frame(command: string, headers: Record<string, string>, body = ''): string {
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}:${value}\n`;
  return `${text}\n${body}\0`;
}

/** Frames in one WebSocket message (heart-beat newlines skipped); header values are not unescaped. */
export function parseFrames(data: string): WireFrame[] {
  const frames: WireFrame[] = [];
  let at = 0;
  while (at < data.length) {
    while (at < data.length && (data[at] === '\n' || data[at] === '\r')) at++;
    if (at >= data.length) break;
    const end = data.indexOf('\0', at);
    const text = data.slice(at, end < 0 ? data.length : end);
    at = end < 0 ? data.length : end + 1;
    const split = text.indexOf('\n\n');
    const head = (split < 0 ? text : text.slice(0, split)).split('\n');
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0 && !(line.slice(0, colon) in headers))
        headers[line.slice(0, colon)] = line.slice(colon + 1);
    }
    frames.push({
      command: head[0].replace(/\r$/, ''),
      headers,
      body: split < 0 ? '' : text.slice(split + 2),
    });
  }
  return frames;
}

/**
 * A bench line's content: `b|<sender>|<seq>|<sent at, epoch ms>`. Found anywhere in a body,
 * so the product's JSON, the bare server's copy and RabbitMQ's raw body all carry it.
 */
export const lineContent = (sender: number, seq: number): string =>
  `b|${sender}|${seq}|${(performance.timeOrigin + performance.now()).toFixed(3)}`;

const LINE = /b\|(\d+)\|(\d+)\|([\d.]+)/;
const MARK = Buffer.from('b|');
const MESSAGE = Buffer.from('MESSAGE\n');
const BAR = 0x7c;

/**
 * The hot path of a load client: a WebSocket message holding exactly one MESSAGE frame, read
 * in place (no string of the whole frame, no header map). Returns undefined when the message
 * is anything else (the caller parses it the slow way), null for a MESSAGE without a bench line.
 */
export function readLineFromMessage(
  data: Buffer,
): { sender: number; seq: number; sentAt: number } | null | undefined {
  if (data.length < MESSAGE.length || data.compare(MESSAGE, 0, MESSAGE.length, 0, MESSAGE.length) !== 0)
    return undefined;
  if (data.indexOf(0) !== data.length - 1) return undefined;
  const at = data.indexOf(MARK);
  if (at < 0) return null;
  let i = at + 2;
  let sender = 0;
  for (; data[i] !== BAR && i < data.length; i++) sender = sender * 10 + data[i] - 48;
  let seq = 0;
  for (i += 1; data[i] !== BAR && i < data.length; i++) seq = seq * 10 + data[i] - 48;
  let end = i + 1;
  while (end < data.length && ((data[end] >= 48 && data[end] <= 57) || data[end] === 46)) end++;
  return { sender, seq, sentAt: Number(data.toString('latin1', i + 1, end)) };
}

export function readLine(body: string): { sender: number; seq: number; sentAt: number } | null {
  const match = LINE.exec(body);
  return match ? { sender: Number(match[1]), seq: Number(match[2]), sentAt: Number(match[3]) } : null;
}

/** A `ws` message's data as text (a Buffer, or fragments of one). */
export function text(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
