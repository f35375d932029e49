const KEY = 'playlist-chat.session';
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
