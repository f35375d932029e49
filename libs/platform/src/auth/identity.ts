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
