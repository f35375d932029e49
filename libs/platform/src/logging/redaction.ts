/**
 * Query parameters whose values are credentials (`?access_token=` is how browsers pass a token to
 * a WebSocket; the others are names clients and libraries commonly send one under). A name
 * matches whatever its letter case, percent-encoding (`access%5Ftoken`) or `[]`/`[n]` suffix
 * (`access_token[]`), as a server parsing the query would read it. docs/security.md ("Logs never
 * hold tokens") and docs/operations.md (logging) list these names: change them together.
 */
export const REDACTED_QUERY_PARAMETERS = [
  'access_token',
  'token',
  'id_token',
  'refresh_token',
  'jwt',
  'auth',
  'authorization',
  'passcode',
  'password',
] as const;

export const REDACTED = '[Redacted]';

const SECRET_NAMES: ReadonlySet<string> = new Set(REDACTED_QUERY_PARAMETERS);
const SHORTEST_NAME = Math.min(...REDACTED_QUERY_PARAMETERS.map((name) => name.length));
const LONGEST_NAME = Math.max(...REDACTED_QUERY_PARAMETERS.map((name) => name.length));

/** A bearer JWT (or a JWE, which holds one's shape): three base64url segments, the first a JSON header (`{"` is `eyJ`). */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;
/** The shortest text JWT can match. */
const JWT_MIN_LENGTH = 7;

/** A percent-escape of an ASCII character: enough to read a name of the list or a JWT, which are ASCII. */
const ASCII_ESCAPE = /%[0-7][0-9a-f]/gi;

const AMPERSAND = 0x26;
const SEMICOLON = 0x3b;
const QUESTION_MARK = 0x3f;
const SLASH = 0x2f;
const EQUALS = 0x3d;

/** How a part of the URL splits into `name=value` parameters. */
interface ParameterSyntax {
  /** Characters that end a parameter: a table by ASCII code, looked up once per character. */
  readonly separators: Uint8Array;
  /**
   * Characters that end a credential's value: fewer than `separators`, since a server splitting
   * on fewer would read the rest as part of the credential (`?access_token=a;b`: Express reads
   * `a;b`), and a credential's value is better hidden whole.
   */
  readonly credentialEnds: Uint8Array;
}

function characters(...codes: number[]): Uint8Array {
  const table = new Uint8Array(128);
  for (const code of codes) table[code] = 1;
  return table;
}

/** Whether `code` is in `table` (made by `characters`). */
const isIn = (table: Uint8Array, code: number) => code < 128 && table[code] === 1;

/**
 * The query: parameters split on `&` and `;`, and on a second `?` (`?room=a?access_token=` from a
 * client that appended its own query); a credential's value runs to the next `&`.
 */
const QUERY: ParameterSyntax = {
  separators: characters(AMPERSAND, SEMICOLON, QUESTION_MARK),
  credentialEnds: characters(AMPERSAND),
};

/** Path parameters (`/ws-chat;access_token=`): split on `;` and `/`; a credential's value runs to the query. */
const PATH: ParameterSyntax = { separators: characters(SEMICOLON, SLASH), credentialEnds: characters() };

/**
 * `url` as sent, with the value of every credential-bearing parameter (see
 * `REDACTED_QUERY_PARAMETERS`) and every value holding a bearer JWT, whatever its name, replaced
 * by `[Redacted]`. Runs for every request line: a URL without `?` or `;` is returned as is, and
 * otherwise it is one pass over the parameters, decoding only names and values that hold a `%`.
 */
export function scrubUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const pathEnd = queryAt < 0 ? url.length : queryAt;
  const semicolonAt = url.indexOf(';');
  const hasPathParameters = semicolonAt >= 0 && semicolonAt < pathEnd;
  if (queryAt < 0 && !hasPathParameters) return url;
  const scrubbed = new Scrubbed(url);
  if (hasPathParameters) scrubParameters(scrubbed, semicolonAt + 1, pathEnd, PATH);
  if (queryAt >= 0) scrubParameters(scrubbed, queryAt + 1, url.length, QUERY);
  return scrubbed.text();
}

/** The URL being scrubbed: the original, and what is built of it once something is redacted. */
class Scrubbed {
  private built = '';
  private copiedTo = 0;

  constructor(readonly url: string) {}

  /** Replaces `url[from, to)` (a value, after what is already redacted). */
  redact(from: number, to: number): void {
    this.built += this.url.slice(this.copiedTo, from) + REDACTED;
    this.copiedTo = to;
  }

  text(): string {
    return this.copiedTo === 0 ? this.url : this.built + this.url.slice(this.copiedTo);
  }
}

/** Redacts the credentials among the parameters in `url[start, end)`. */
function scrubParameters(scrubbed: Scrubbed, start: number, end: number, syntax: ParameterSyntax): void {
  const url = scrubbed.url;
  let from = start;
  while (from <= end) {
    let to = from;
    let equalsAt = -1;
    for (; to < end; to++) {
      const code = url.charCodeAt(to);
      if (isIn(syntax.separators, code)) break;
      if (code === EQUALS && equalsAt < 0) equalsAt = to;
    }
    if (equalsAt >= 0 && isCredentialName(url.slice(from, equalsAt))) {
      to = equalsAt + 1;
      while (to < end && !isIn(syntax.credentialEnds, url.charCodeAt(to))) to++;
      scrubbed.redact(equalsAt + 1, to);
    } else {
      const valueAt = equalsAt < 0 ? from : equalsAt + 1;
      if (holdsJwt(url.slice(valueAt, to))) scrubbed.redact(valueAt, to);
    }
    from = to + 1;
  }
}

/** Whether a parameter's name, as sent, is one of `REDACTED_QUERY_PARAMETERS` as a server would read it. */
function isCredentialName(sent: string): boolean {
  if (sent.length < SHORTEST_NAME) return false;
  let name = decodeAscii(sent);
  const bracketAt = name.indexOf('[');
  if (bracketAt >= 0) name = name.slice(0, bracketAt);
  return name.length <= LONGEST_NAME && SECRET_NAMES.has(name.toLowerCase());
}

/**
 * Whether a value, as sent, holds a bearer JWT (alone, after `Bearer%20`, or inside another
 * value). Its `eyJ` is looked for as sent: clients percent-encode spaces and maybe dots, not letters.
 */
function holdsJwt(sent: string): boolean {
  return sent.length >= JWT_MIN_LENGTH && sent.includes('eyJ') && JWT.test(decodeAscii(sent));
}

/** `text` with its ASCII percent-escapes decoded; never throws on a malformed escape (it stays as is). */
function decodeAscii(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(ASCII_ESCAPE, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
}

/**
 * pino `redact` paths: credentials in response headers, bodies and log objects, wherever a log
 * line holds them. A request is logged without its headers or parsed query (see LoggingModule's
 * `req` serializer), so it needs no paths of its own.
 */
export const REDACTED_PATHS = [
  'res.headers["set-cookie"]',
  'authorization',
  'passcode',
  'accessToken',
  'access_token',
  '*.authorization',
  '*.Authorization',
  '*.passcode',
  '*.accessToken',
  '*.access_token',
];
