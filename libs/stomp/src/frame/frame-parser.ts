import { isUtf8 } from 'node:buffer';
import type { StompLimits } from '../limits';
import { isUnescapedCommand, type StompFrame, type StompHeaders, type StompVersion } from './frame';
import { unescapeHeader, type EscapeMode } from './header-escape';
import { StompProtocolError } from './protocol-error';
import { quoteClientText } from './quote-client-text';

/** Where the parser sends what it finds, synchronously and in stream order. */
export interface FrameSink {
  frame(frame: StompFrame): void;
  /** One EOL between frames (a STOMP heart-beat). */
  heartbeat(): void;
  /** Fatal: the parser stops and ignores any further input. */
  error(error: StompProtocolError): void;
}

export type ParserLimits = Pick<
  StompLimits,
  'maxFrameBytes' | 'maxHeaders' | 'maxHeaderLineBytes' | 'maxBodyBytes'
>;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);
/** Between frames: the parser holds no headers (frozen, so a write outside a frame fails loudly). */
const NO_HEADERS = Object.freeze(Object.create(null)) as StompHeaders;
const CONTENT_LENGTH = /^[0-9]{1,15}$/;

const enum State {
  Between,
  Command,
  Headers,
  Body,
  Failed,
}

/**
 * Incremental STOMP frame parser. Feed it chunks exactly as they arrive (a frame may be split at
 * any byte, a chunk may hold many frames); it reports frames, heart-beats and at most one fatal
 * error to its sink.
 *
 * It never holds more than one partial frame: every limit is checked against the bytes seen so
 * far, before the frame is complete, so input beyond `maxFrameBytes` is refused, not buffered.
 * Complete chunks are scanned in place; only the unfinished tail of a chunk is copied.
 *
 * The sink may change `version` from inside `frame()` (the session does on CONNECT): the next
 * frame in the same chunk is then decoded with the new escaping rules.
 */
export class FrameParser {
  /** Escaping rules for frames after CONNECT; CONNECT/CONNECTED headers are never unescaped. */
  version: StompVersion = '1.2';

  private data: Buffer = EMPTY; // bytes not yet consumed, from `frameStart` on (plus any spare capacity in `store`)
  private store: Buffer = EMPTY; // owned copy when a frame spans chunks
  private end = 0;
  private pos = 0;
  private frameStart = 0;
  private lineStart = 0;
  private bodyStart = 0;
  private nulAt = -1; // first NUL at or after `nulSearchedFrom`, or -1 when none up to `end`
  private nulSearchedFrom = 0;
  private state = State.Between;
  private command = '';
  private headers: StompHeaders = NO_HEADERS;
  private headerCount = 0;
  private contentLength = -1;
  private escapeMode: EscapeMode = 'none';

  constructor(
    private readonly sink: FrameSink,
    private readonly limits: ParserLimits,
  ) {}

  /** True after a protocol error or `stop()`: further input is ignored. */
  get stopped(): boolean {
    return this.state === State.Failed;
  }

  /** Ignore all further input (the session is closing); buffered bytes are released. */
  stop(): void {
    this.state = State.Failed;
    this.data = this.store = EMPTY;
    this.end = this.pos = this.frameStart = 0;
  }

  /** Bytes held for an unfinished frame. */
  get bufferedBytes(): number {
    return this.end - this.frameStart;
  }

  /** Size of the buffer the parser keeps referenced for them (its own, or the last chunk). */
  get retainedBytes(): number {
    return this.data.length;
  }

  push(chunk: Buffer): void {
    if (this.state === State.Failed || chunk.length === 0) return;
    this.append(chunk);
    try {
      this.scan();
    } catch (error) {
      this.fail(
        error instanceof StompProtocolError
          ? error
          : new StompProtocolError('malformed-frame', String(error)),
      );
    }
    if (this.frameStart === this.end && !this.stopped) {
      // Everything consumed: drop references so an idle connection holds no input bytes.
      this.data = EMPTY;
      this.store = EMPTY;
      this.end = this.pos = this.frameStart = this.lineStart = this.bodyStart = this.nulSearchedFrom = 0;
      this.nulAt = -1;
    } else if (!this.stopped) {
      this.trim();
    }
  }

  /**
   * A frame is unfinished at the end of the chunk (rare: clients send whole frames). Keeps no
   * more than it needs until the next chunk: not the rest of a chunk of up to ws's maxPayload,
   * nor the spare room a large frame before it left in `store`.
   */
  private trim(): void {
    const kept = this.end - this.frameStart;
    if (this.data.length <= Math.max(kept * 4, 16 * 1024)) return;
    const target = Buffer.allocUnsafe(Math.max(kept * 2, 1024));
    this.data.copy(target, 0, this.frameStart, this.end);
    this.shift(this.frameStart);
    this.data = this.store = target;
  }

  private append(chunk: Buffer): void {
    if (this.frameStart === this.end) {
      this.data = chunk;
      this.end = chunk.length;
      this.pos = this.frameStart = this.lineStart = this.bodyStart = this.nulSearchedFrom = 0;
      this.nulAt = -1;
      return;
    }
    const kept = this.end - this.frameStart;
    const needed = kept + chunk.length;
    if (this.data !== this.store || this.frameStart !== 0 || this.store.length < needed) {
      // Compact the unfinished frame to the start of an owned buffer (copy is overlap-safe).
      // Room to grow (a frame may come in many chunks), but not past the largest frame allowed.
      const capacity = Math.max(needed, Math.min(needed * 2, this.limits.maxFrameBytes), 1024);
      const target = this.store.length >= needed ? this.store : Buffer.allocUnsafe(capacity);
      this.data.copy(target, 0, this.frameStart, this.end);
      this.shift(this.frameStart);
      this.store = target;
    }
    chunk.copy(this.store, kept);
    this.end = needed;
    this.data = this.store;
  }

  private shift(delta: number): void {
    this.end -= delta;
    this.pos -= delta;
    this.frameStart -= delta;
    this.lineStart -= delta;
    this.bodyStart -= delta;
    this.nulSearchedFrom = Math.max(0, this.nulSearchedFrom - delta);
    if (this.nulAt >= 0) this.nulAt -= delta;
  }

  private scan(): void {
    const data = this.data;
    for (;;) {
      switch (this.state) {
        case State.Between: {
          if (this.pos >= this.end) return;
          const byte = data[this.pos];
          if (byte === LF) {
            this.pos += 1;
            this.frameStart = this.pos;
            this.sink.heartbeat();
            continue;
          }
          if (byte === CR) {
            if (this.pos + 1 >= this.end) return;
            if (data[this.pos + 1] === LF) {
              this.pos += 2;
              this.frameStart = this.pos;
              this.sink.heartbeat();
              continue;
            }
          }
          this.frameStart = this.lineStart = this.pos;
          this.nulSearchedFrom = this.pos;
          this.nulAt = -1;
          this.state = State.Command;
          continue;
        }
        case State.Command:
        case State.Headers: {
          const lf = data.indexOf(LF, this.pos);
          if (lf === -1 || lf >= this.end) {
            this.pos = this.end;
            this.checkPartialLine();
            return;
          }
          const nul = this.firstNul();
          if (nul !== -1 && nul < lf) {
            throw new StompProtocolError(
              'malformed-frame',
              'frame ended (NUL) before the blank line that ends the headers',
            );
          }
          let lineEnd = lf;
          if (lineEnd > this.lineStart && data[lineEnd - 1] === CR) lineEnd -= 1;
          if (lineEnd - this.lineStart > this.limits.maxHeaderLineBytes) this.lineTooLong();
          if (this.state === State.Command) {
            this.startFrame(data.toString('utf8', this.lineStart, lineEnd));
          } else if (lineEnd === this.lineStart) {
            this.pos = lf + 1;
            this.startBody();
            continue;
          } else {
            this.header(lineEnd);
          }
          this.pos = this.lineStart = lf + 1;
          if (this.pos - this.frameStart > this.limits.maxFrameBytes) this.frameTooLarge();
          continue;
        }
        case State.Body: {
          if (this.contentLength >= 0) {
            const terminator = this.bodyStart + this.contentLength;
            if (terminator >= this.end) {
              this.pos = this.end;
              return;
            }
            if (data[terminator] !== NUL) {
              throw new StompProtocolError(
                'missing-frame-terminator',
                `no NUL after the ${this.contentLength}-byte body given by content-length`,
              );
            }
            this.emit(terminator);
            continue;
          }
          const nul = this.firstNul();
          if (nul === -1) {
            this.pos = this.end;
            if (this.end - this.bodyStart > this.limits.maxBodyBytes)
              this.bodyTooLarge(this.end - this.bodyStart);
            if (this.end - this.frameStart > this.limits.maxFrameBytes) this.frameTooLarge();
            return;
          }
          if (nul - this.bodyStart > this.limits.maxBodyBytes) this.bodyTooLarge(nul - this.bodyStart);
          if (nul + 1 - this.frameStart > this.limits.maxFrameBytes) this.frameTooLarge();
          this.emit(nul);
          continue;
        }
        case State.Failed:
          return;
      }
    }
  }

  /** First NUL at or after the current line; each byte of a frame is searched once. */
  private firstNul(): number {
    if (this.nulAt >= this.lineStart) return this.nulAt;
    const found = this.data.indexOf(NUL, Math.max(this.nulSearchedFrom, this.lineStart));
    if (found === -1 || found >= this.end) {
      this.nulAt = -1;
      this.nulSearchedFrom = this.end;
    } else {
      this.nulAt = found;
      this.nulSearchedFrom = found;
    }
    return this.nulAt;
  }

  private checkPartialLine(): void {
    let length = this.end - this.lineStart;
    if (this.data[this.end - 1] === CR) length -= 1; // may be the CR of a CRLF still to come
    if (length > this.limits.maxHeaderLineBytes) this.lineTooLong();
    if (this.end - this.frameStart > this.limits.maxFrameBytes) this.frameTooLarge();
    const nul = this.firstNul();
    if (nul !== -1)
      throw new StompProtocolError(
        'malformed-frame',
        'frame ended (NUL) before the blank line that ends the headers',
      );
  }

  private startFrame(command: string): void {
    this.command = command;
    this.headers = Object.create(null) as StompHeaders; // no prototype: a header may be called `__proto__`
    this.headerCount = 0;
    this.contentLength = -1;
    this.escapeMode = isUnescapedCommand(command) ? 'none' : this.version;
    this.state = State.Headers;
  }

  private header(lineEnd: number): void {
    this.headerCount += 1;
    if (this.headerCount > this.limits.maxHeaders) {
      throw new StompProtocolError(
        'too-many-headers',
        `frame has more than ${this.limits.maxHeaders} headers`,
      );
    }
    const colon = this.data.indexOf(COLON, this.lineStart);
    if (colon === -1 || colon >= lineEnd) {
      throw new StompProtocolError('malformed-header', 'header line without a colon');
    }
    if (colon === this.lineStart) {
      throw new StompProtocolError('malformed-header', 'header line with an empty name');
    }
    const name = unescapeHeader(this.headerText(this.lineStart, colon), this.escapeMode);
    // A repeated header is decoded too: a bad escape in it is as fatal as anywhere (STOMP 1.2).
    const value = unescapeHeader(this.headerText(colon + 1, lineEnd), this.escapeMode);
    if (Object.hasOwn(this.headers, name)) return; // repeated header: the first one wins
    this.headers[name] = value;
  }

  /** A header name or value as sent: UTF-8 and without a raw CR, as STOMP 1.2's grammar has it. */
  private headerText(start: number, end: number): string {
    const text = this.data.toString('utf8', start, end);
    if (text.indexOf('\r') !== -1) {
      throw new StompProtocolError('malformed-header', 'carriage return inside a header line');
    }
    // toString turns invalid UTF-8 into U+FFFD without a word: only a text holding one (rare,
    // and valid when sent as such) has its bytes checked.
    if (text.indexOf('\uFFFD') !== -1 && !isUtf8(this.data.subarray(start, end))) {
      throw new StompProtocolError('malformed-header', 'header is not valid UTF-8');
    }
    return text;
  }

  private startBody(): void {
    this.bodyStart = this.pos;
    this.state = State.Body;
    const declared = this.headers['content-length'];
    if (declared === undefined) return;
    if (!CONTENT_LENGTH.test(declared)) {
      throw new StompProtocolError(
        'invalid-content-length',
        `content-length ${quoteClientText(declared)} is not a non-negative integer`,
      );
    }
    const length = Number(declared);
    if (length > this.limits.maxBodyBytes) this.bodyTooLarge(length);
    if (this.bodyStart - this.frameStart + length + 1 > this.limits.maxFrameBytes) this.frameTooLarge();
    this.contentLength = length;
  }

  private emit(terminator: number): void {
    const body =
      terminator === this.bodyStart ? EMPTY : Buffer.from(this.data.subarray(this.bodyStart, terminator));
    const frame: StompFrame = { command: this.command, headers: this.headers, body };
    // The frame is the sink's now: an idle session must not keep its last frame's headers
    // (a prototype-less object is a dictionary: ~380 B with its values).
    this.command = '';
    this.headers = NO_HEADERS;
    this.pos = this.frameStart = terminator + 1;
    this.state = State.Between;
    this.sink.frame(frame);
  }

  private fail(error: StompProtocolError): void {
    this.stop();
    this.sink.error(error);
  }

  private lineTooLong(): never {
    throw new StompProtocolError(
      'header-line-too-long',
      `a header line is longer than ${this.limits.maxHeaderLineBytes} bytes`,
    );
  }

  private frameTooLarge(): never {
    throw new StompProtocolError(
      'frame-too-large',
      `frame is larger than ${this.limits.maxFrameBytes} bytes`,
    );
  }

  private bodyTooLarge(length: number): never {
    throw new StompProtocolError(
      'body-too-large',
      `body of ${length} bytes is larger than ${this.limits.maxBodyBytes} bytes`,
    );
  }
}
