import {
  DEFAULT_LIMITS,
  FrameParser,
  type ParserLimits,
  type StompFrame,
  type StompProtocolError,
  type StompVersion,
} from '@playlist-chat/stomp';

export type Parsed = { frame: StompFrame } | { heartbeat: true } | { error: StompProtocolError };

/** Feeds `chunks` to a fresh parser and returns everything it reported, in order. */
export function parseChunks(
  chunks: Buffer[],
  options: { version?: StompVersion; limits?: Partial<ParserLimits> } = {},
): Parsed[] {
  const out: Parsed[] = [];
  const parser = new FrameParser(
    {
      frame: (frame) => out.push({ frame }),
      heartbeat: () => out.push({ heartbeat: true }),
      error: (error) => out.push({ error }),
    },
    { ...DEFAULT_LIMITS, ...options.limits },
  );
  if (options.version) parser.version = options.version;
  for (const chunk of chunks) parser.push(chunk);
  return out;
}

export function parse(input: string | Buffer, options: Parameters<typeof parseChunks>[1] = {}): Parsed[] {
  return parseChunks([typeof input === 'string' ? Buffer.from(input, 'utf8') : input], options);
}

/** Plain-object view of results, for `toEqual`. */
export function view(results: Parsed[]): unknown[] {
  return results.map((r) =>
    'frame' in r
      ? { command: r.frame.command, headers: { ...r.frame.headers }, body: r.frame.body.toString('latin1') }
      : 'heartbeat' in r
        ? 'heartbeat'
        : { error: r.error.code },
  );
}
