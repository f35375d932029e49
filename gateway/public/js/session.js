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
const UNSENT = 'playlist-chat.unsent.';
const RETURN_TO = 'playlist-chat.return-to';

/**
 * This tab's storage, read or written by `use`; `fallback` when it fails (private mode, a full
 * quota, storage turned off): what is kept there helps, and the page goes on without it.
 */
function inTabStorage(use, fallback) {
  try {
    return use(sessionStorage);
  } catch {
    return fallback;
  }
}

/**
 * What I had typed in a room and not sent, kept for this tab (sessionStorage) so that signing in
 * again after an expired sign-in, or a reload, does not lose it.
 */
export function loadDraft(uid, roomId) {
  return inTabStorage((storage) => storage.getItem(`${DRAFTS}${uid}.${roomId}`) ?? '', '');
}

export function saveDraft(uid, roomId, text) {
  const key = `${DRAFTS}${uid}.${roomId}`;
  inTabStorage((storage) => (text ? storage.setItem(key, text) : storage.removeItem(key)));
}

/**
 * Lines I sent in a room that the server has not confirmed yet, oldest first:
 * `[{ clientMessageId, content, failure }]` (`failure`: why it was not sent, or null while it
 * waits). Kept for this tab like the draft, so leaving the room or reloading does not lose them,
 * and only this tab sends them again.
 */
export function loadUnsent(uid, roomId) {
  const lines = inTabStorage((storage) => JSON.parse(storage.getItem(`${UNSENT}${uid}.${roomId}`)), null);
  if (!Array.isArray(lines)) return [];
  return lines.filter(
    (line) =>
      typeof line?.clientMessageId === 'string' &&
      typeof line.content === 'string' &&
      (line.failure === null || typeof line.failure === 'string'),
  );
}

export function saveUnsent(uid, roomId, lines) {
  const key = `${UNSENT}${uid}.${roomId}`;
  inTabStorage((storage) => {
    try {
      if (lines.length > 0) storage.setItem(key, JSON.stringify(lines));
      else storage.removeItem(key);
    } catch {
      // Full: an older copy left behind would bring back, as unsent, lines sent since.
      storage.removeItem(key);
    }
  });
}

/** Signing out on purpose forgets the drafts and unsent lines (someone else may use this browser next). */
export function clearDrafts() {
  inTabStorage((storage) => {
    for (const key of Object.keys(storage))
      if (key.startsWith(DRAFTS) || key.startsWith(UNSENT)) storage.removeItem(key);
  });
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
