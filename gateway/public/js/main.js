import { createApi } from './api.js';
import { avatar } from './avatar.js';
import { ChatConnection } from './connection.js';
import { clear, h } from './dom.js';
import { LobbyView } from './lobby.js';
import { describeError, showError, showInfo } from './notices.js';
import { RoomView } from './room/room-view.js';
import { clearSession, loadSession, saveSession, uidFor } from './session.js';

/** The app: sign-in, then the lobby (#/) or one room (#/room/{id}); one STOMP connection while signed in. */
const main = document.getElementById('main');
let session = loadSession();
let connection = null;
let view = null;

/** The token is no longer accepted: reconnecting with it would only be refused again. */
function signInExpired() {
  showError('Your sign-in has expired.', 'Please sign in again.');
  signOut();
}

/** STOMP codes that mean the token itself is refused (docs/stomp.md). */
const TOKEN_REFUSED = new Set(['token-expired', 'unauthorized']);

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
    onServerError: (failure) =>
      TOKEN_REFUSED.has(failure.code) ? signInExpired() : showError(failure.message, `(${failure.code})`),
  });
  connection.onConnect(() => {
    connection.subscribe('/user/queue/events', {}, (event) => {
      if (event.type !== 'room-evicted') return;
      showInfo(
        'You joined a fifth room, so you left the room you joined longest ago (at most 4 rooms at once).',
      );
      if (view instanceof RoomView && view.roomId === event.roomId) location.hash = '#/';
      else if (view instanceof LobbyView) void view.refresh();
    });
  });
  connection.start();
}

function renderAccount() {
  const account = document.getElementById('account');
  account.hidden = !session;
  if (session)
    clear(document.getElementById('me')).append(avatar(session, 'sm'), ' ', h('span', {}, session.nickName));
}

function signOut() {
  view?.destroy();
  view = null;
  void connection?.stop();
  connection = null;
  session = null;
  clearSession();
  renderAccount();
  location.hash = '#/';
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
  main.focus({ preventScroll: true });
}

document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
renderAccount();
if (session) connect();
route();
