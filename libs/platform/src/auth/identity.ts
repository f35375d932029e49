import { UNPAIRED_SURROGATE } from '../text/code-points';

/** Who is calling, as proven by a verified access token. Users act only as themselves. */
export interface Identity {
  /** JWT `sub`. */
  readonly uid: string;
  /** JWT `name` (falls back to the uid when the token has none). */
  readonly nickName: string;
  /** JWT `picture`: profile image URL, or null. */
  readonly profileImage: string | null;
  /** JWT `scope` (space-separated) or `scp` (array), e.g. `rooms:create` for the playlist service. */
  readonly scopes: readonly string[];
}

/** Scope that lets a caller (the playlist service) open a room on behalf of any owner. */
export const ROOMS_CREATE_SCOPE = 'rooms:create';

export const hasScope = (identity: Identity, scope: string): boolean => identity.scopes.includes(scope);

/** Longest uid (JWT `sub`) and nickname accepted. */
export const MAX_UID_LENGTH = 128;
export const MAX_NICKNAME_LENGTH = 64;

/** The first character of each kind no name shown to others may hold, with why. */
const UNSAFE_IN_NAMES: readonly (readonly [RegExp, string])[] = [
  // NUL, tab, newline, DEL, C1 controls…: a name is one line of plain text.
  [/\p{Cc}/u, 'control characters'],
  // Marks, embeddings, overrides and isolates: they make text display in another order than it is stored.
  [/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u, 'bidirectional controls'],
  // U+2028/U+2029 break lines wherever they are shown, logs included.
  [/[\p{Zl}\p{Zp}]/u, 'line or paragraph separators'],
  // Format characters draw nothing (zero-width space and joiners, word joiner, soft hyphen,
  // BOM, tags…), nor do the Hangul fillers: `adm\u200Bin` would pass for `admin`.
  [/[\p{Cf}\u115F\u1160\u3164\uFFA0]/u, 'invisible characters'],
];

/**
 * The joiners that belong to an emoji: a zero-width joiner between two pictographs (👩‍💻) and
 * the tag characters of a subdivision flag (🏴 + tags + cancel tag). Taken out before the check.
 */
const EMOJI_JOINERS =
  /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})|(?<=\u{1F3F4}[\u{E0020}-\u{E007E}]*)[\u{E0020}-\u{E007F}]/gu;

/** Something that shows: not white space, a mark alone, a braille blank or a character above. */
const VISIBLE = /[^\p{White_Space}\p{M}\p{Cc}\p{Cf}\u2800\u115F\u1160\u3164\uFFA0]/u;

const codePoint = (character: string): string =>
  `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `text` cannot be a name shown to other people (nickname, room and track names), or
 * undefined: one rule for all of them (docs/security.md). Not allowed: control characters,
 * bidirectional controls, line and paragraph separators, invisible characters (an emoji's own
 * joiners aside), text with nothing visible in it, and an unpaired surrogate (stored as UTF-8,
 * it would come back as U+FFFD). The reason names the first offending character: "must not
 * contain invisible characters (U+200B)".
 */
export function nameProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return UNPAIRED_SURROGATE;
  const checked = text.replace(EMOJI_JOINERS, '');
  for (const [pattern, kind] of UNSAFE_IN_NAMES) {
    const found = pattern.exec(checked);
    if (found) return `must not contain ${kind} (${codePoint(found[0])})`;
  }
  return VISIBLE.test(checked) ? undefined : 'must not be blank';
}

/** A uid: 1 to 128 visible ASCII characters without spaces (what dev tokens and the playlist service use). */
export const UID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Why `url` is not an http(s) URL a browser may load as a picture, or undefined when it is. */
export function pictureUrlProblem(url: string): string | undefined {
  if (url.length > 2048) return 'is longer than 2048 characters';
  if (!url.isWellFormed()) return UNPAIRED_SURROGATE;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'is not a URL';
  }
}
