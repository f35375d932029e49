import { createApi } from './api.js';
import { avatar } from './avatar.js';
import { ChatConnection } from './connection.js';
import { clear, h } from './dom.js';
import { LobbyView } from './lobby.js';
import { describeError, showError, showInfo } from './notices.js';
import { RoomView } from './room/room-view.js';
import {
  clearDrafts,
  clearSession,
  loadSession,
  rememberReturn,
  saveSession,
  SESSION_KEY,
  takeReturn,
  uidFor,
} from './session.js';

/** The app: sign-in, then the lobby (#/) or one room (#/room/{id}); one STOMP connection while signed in. */
const main = document.getElementById('main');
let session = loadSession();
let connection = null;
let view = null;

/**
 * The token is no longer accepted: reconnecting with it would only be refused again. The room I
 * was in is remembered (and its draft kept, see the composer) for when I sign in again.
 */
function signInExpired() {
  if (!session) return; // already asked (a refusal of a request still under way)
  showError('Your sign-in has expired.', 'Please sign in again.');
  if (/^#\/room\//.test(location.hash)) rememberReturn(session.uid, location.hash);
  signOut({ keepDrafts: true });
}

/** STOMP codes that mean the token itself is refused (docs/stomp.md). */
const TOKEN_REFUSED = new Set(['token-expired', 'unauthorized']);
/**
 * STOMP codes the client gets over by itself, reconnecting (docs/asyncapi.yaml, x-stomp-errors):
 * a server restart is no error of the person's, and the connection label already says
 * "Reconnecting…", then "Connected".
 */
const RECOVERED_BY_RECONNECTING = new Set([
  'server-shutting-down',
  'slow-consumer',
  'heart-beat-timeout',
  'connect-timeout',
]);

const api = createApi(() => session, signInExpired);

const connectionLabels = { connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…' };

function connect() {
  connection = new ChatConnection({
    token: session.token,
    onState: (state) => {
      const label = document.getElementById('connection');
      label.textContent = connectionLabels[state] ?? '';
      label.dataset.state = state;
    },
    onServerError: (failure) => {
      if (TOKEN_REFUSED.has(failure.code)) signInExpired();
      else if (!RECOVERED_BY_RECONNECTING.has(failure.code)) showError(failure.message, `(${failure.code})`);
    },
  });
  connection.onConnect(() => {
    connection.subscribe('/user/queue/events', {}, (event) => {
      if (event.type !== 'room-evicted') return;
      void roomEvicted(event);
    });
  });
  connection.start();
}

/** I joined a fifth room and so left the one I joined longest ago: say which. */
async function roomEvicted(event) {
  const openHere = view instanceof RoomView && view.roomId === event.roomId ? view.room : null;
  const room = openHere ?? (await api.room(event.roomId).catch(() => null));
  const left = room ? `“${room.roomName}”` : 'the room you joined longest ago';
  showInfo(`You joined a fifth room, so you left ${left} (at most 4 rooms at once).`);
  if (view instanceof RoomView && view.roomId === event.roomId) location.hash = '#/';
  else if (view instanceof LobbyView) void view.refresh();
}

function renderAccount() {
  const account = document.getElementById('account');
  account.hidden = !session;
  if (session)
    clear(document.getElementById('me')).append(
      avatar(session, 'sm'),
      ' ',
      h('span', { dir: 'auto' }, session.nickName),
    );
}

/**
 * Ends the session in this tab. `fromAnotherTab`: it is already gone from storage (signed out
 * there); `keepDrafts`: the sign-in expired, and the drafts wait for signing in again.
 */
function signOut({ keepDrafts = false, fromAnotherTab = false } = {}) {
  view?.destroy();
  view = null;
  void connection?.stop();
  connection = null;
  session = null;
  if (!fromAnotherTab) clearSession();
  if (!keepDrafts) clearDrafts();
  renderAccount();
  // An expired sign-in stays on the room's address, to come back to it.
  if (!keepDrafts && location.hash !== '#/') history.replaceState(null, '', '#/');
  route();
}

function renderSignIn() {
  const input = h('input', {
    id: 'nickname',
    name: 'nickname',
    required: true,
    maxlength: 64,
    autocomplete: 'nickname',
    placeholder: 'e.g. Ann',
  });
  const button = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'panel sign-in', 'aria-labelledby': 'sign-in-heading' },
    h('h1', { id: 'sign-in-heading' }, 'Chat along with a playlist'),
    h(
      'p',
      { class: 'hint' },
      'Join a live room, talk with everyone listening, and hear the same track at the same moment.',
    ),
    h('label', { for: 'nickname' }, 'Nickname'),
    input,
    button,
    h(
      'p',
      { class: 'hint small' },
      'Development sign-in: pick any nickname. In production, sign-in comes from your music account.',
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const nickName = input.value.trim();
    if (!nickName) return;
    button.disabled = true;
    try {
      const uid = uidFor(nickName);
      const { accessToken } = await api.devToken(uid, nickName);
      session = { uid, nickName, token: accessToken, profileImage: null };
      saveSession(session);
      renderAccount();
      connect();
      // Back to the room I was in when my sign-in expired if it is me again; someone else starts at home.
      const expired = takeReturn();
      const next = !expired ? location.hash : expired.uid === uid ? expired.hash : '#/';
      if (next !== location.hash) history.replaceState(null, '', next);
      route();
    } catch (error) {
      const detail =
        error.status === 404
          ? 'Nickname sign-in is turned off on this server (AUTH_DEV_TOKENS).'
          : describeError(error);
      showError('Could not sign in.', detail);
    } finally {
      button.disabled = false;
    }
  });
  clear(main).append(form);
  input.focus();
}

function route() {
  view?.destroy();
  view = null;
  if (!session) return renderSignIn();
  clear(main);
  const match = /^#\/room\/([^/]+)$/.exec(location.hash);
  if (match) {
    view = new RoomView({
      api,
      connection,
      session,
      roomId: decodeURIComponent(match[1]),
      leaveToLobby: () => (location.hash = '#/'),
    });
    document.title = 'Room — Playlist chat';
  } else {
    view = new LobbyView({
      api,
      session,
      openRoom: (roomId) => (location.hash = `#/room/${encodeURIComponent(roomId)}`),
    });
    document.title = 'Rooms — Playlist chat';
  }
  void view.mount(main);
  focusMain(false);
}

/**
 * Puts focus at the start of the new page, for screen readers and the next Tab. No focus ring
 * then (nothing was chosen with the keyboard); the skip link's focus keeps its ring.
 */
function focusMain(ring) {
  main.classList.toggle('quiet-focus', !ring);
  main.focus({ preventScroll: true });
}
main.addEventListener('blur', () => main.classList.remove('quiet-focus'));

// The skip link moves focus without touching the address: "#main" is no route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  focusMain(true);
  main.scrollIntoView();
});

document.getElementById('sign-out').addEventListener('click', () => signOut());
// Signed out (or in as someone else) in another tab: this tab follows.
window.addEventListener('storage', (event) => {
  if (event.key !== null && event.key !== SESSION_KEY) return;
  const stored = loadSession();
  if (session && stored?.uid !== session.uid) signOut({ fromAnotherTab: true });
});
window.addEventListener('hashchange', route);
renderAccount();
if (session) connect();
route();
