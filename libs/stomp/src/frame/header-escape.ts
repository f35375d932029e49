import type { StompVersion } from './frame';
import { StompProtocolError } from './protocol-error';

/** Escaping rules of a frame: 1.2 and 1.1 differ only in `\r`; 1.0 (and CONNECT/CONNECTED) has none. */
export type EscapeMode = StompVersion | 'none';

const BACKSLASH = 0x5c;

/** Decodes a header name or value per `mode`. Undefined escapes are a fatal protocol error (STOMP 1.2 §"Value Encoding"). */
export function unescapeHeader(raw: string, mode: EscapeMode): string {
  if (mode === 'none' || mode === '1.0' || raw.indexOf('\\') === -1) return raw;
  let out = '';
  let from = 0;
  for (let i = raw.indexOf('\\'); i !== -1; i = raw.indexOf('\\', from)) {
    out += raw.slice(from, i);
    const next = raw.charCodeAt(i + 1);
    if (next === 0x6e /* n */) out += '\n';
    else if (next === 0x63 /* c */) out += ':';
    else if (next === BACKSLASH) out += '\\';
    else if (next === 0x72 /* r */ && mode === '1.2') out += '\r';
    else {
      const shown = Number.isNaN(next) ? 'a trailing \\' : raw.slice(i, i + 2);
      throw new StompProtocolError(
        'invalid-escape',
        `undefined escape sequence ${shown} in header (STOMP ${mode})`,
      );
    }
    from = i + 2;
  }
  return out + raw.slice(from);
}

const NEEDS_ESCAPE_12 = /[\\\r\n:]/;
const NEEDS_ESCAPE_11 = /[\\\n:]/;
const LINE_BREAKS = /[\r\n]/g;

/**
 * Encodes a header name or value per `mode`. STOMP 1.1 cannot express a carriage return and
 * 1.0 no line break at all, so those are replaced by a space rather than corrupting the frame.
 */
export function escapeHeader(value: string, mode: EscapeMode): string {
  switch (mode) {
    case '1.2':
      if (!NEEDS_ESCAPE_12.test(value)) return value;
      return value.replace(/[\\\r\n:]/g, (ch) =>
        ch === '\\' ? '\\\\' : ch === '\r' ? '\\r' : ch === '\n' ? '\\n' : '\\c',
      );
    case '1.1':
      if (!NEEDS_ESCAPE_11.test(value) && value.indexOf('\r') === -1) return value;
      return value
        .replace(/\r/g, ' ')
        .replace(/[\\\n:]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : '\\c'));
    case '1.0':
    case 'none':
      return value.indexOf('\n') === -1 && value.indexOf('\r') === -1
        ? value
        : value.replace(LINE_BREAKS, ' ');
  }
}
