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

/**
 * Characters no name may hold: control characters (NUL, newlines, …) and the bidirectional
 * controls that make text display in another order than it is stored (U+202E and kin).
 */
const UNSAFE_IN_NAMES = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** True when `text` holds a control or bidi-override character. */
export const hasUnsafeCharacters = (text: string): boolean => UNSAFE_IN_NAMES.test(text);

/** A uid: 1 to 128 visible ASCII characters without spaces (what dev tokens and the playlist service use). */
export const UID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Why `url` is not an http(s) URL a browser may load as a picture, or undefined when it is. */
export function pictureUrlProblem(url: string): string | undefined {
  if (url.length > 2048) return 'is longer than 2048 characters';
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'is not a URL';
  }
}
