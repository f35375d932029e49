export const SESSION_KEY = 'playlist-chat.session';
const KEY = SESSION_KEY;
const UIDS = 'playlist-chat.uids';

/** The signed-in person ({ uid, nickName, token }) kept in this browser, or null. */
export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return session && session.token && session.uid && session.nickName ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

/**
 * Dev sign-in has no accounts: a nickname gets a uid of its own in this browser, the same one
 * every time it signs in here again, and two people with the same nickname elsewhere stay apart.
 */
export function uidFor(nickName) {
  const known = JSON.parse(localStorage.getItem(UIDS) ?? '{}');
  const key = nickName.trim().toLowerCase();
  if (!known[key]) {
    const slug =
      key
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 24) || 'user';
    known[key] = `u-${slug}-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(UIDS, JSON.stringify(known));
  }
  return known[key];
}

const DRAFTS = 'playlist-chat.draft.';
const RETURN_TO = 'playlist-chat.return-to';

/**
 * What I had typed in a room and not sent, kept for this tab (sessionStorage) so that signing in
 * again after an expired sign-in, or a reload, does not lose it.
 */
export function loadDraft(uid, roomId) {
  return sessionStorage.getItem(`${DRAFTS}${uid}.${roomId}`) ?? '';
}

export function saveDraft(uid, roomId, text) {
  const key = `${DRAFTS}${uid}.${roomId}`;
  if (text) sessionStorage.setItem(key, text);
  else sessionStorage.removeItem(key);
}

/** Signing out on purpose forgets the drafts (someone else may use this browser next). */
export function clearDrafts() {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(DRAFTS)) sessionStorage.removeItem(key);
}

/** Where to go back to (a `#/room/…` hash) once this person signs in again after their sign-in expired. */
export function rememberReturn(uid, hash) {
  sessionStorage.setItem(RETURN_TO, JSON.stringify({ uid, hash }));
}

/** `{ uid, hash }` saved by `rememberReturn` (taken once), or null. */
export function takeReturn() {
  const saved = JSON.parse(sessionStorage.getItem(RETURN_TO) ?? 'null');
  sessionStorage.removeItem(RETURN_TO);
  return saved;
}
