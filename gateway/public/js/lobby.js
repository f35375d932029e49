import { describeError, showError } from './notices.js';
import { h, plural } from './dom.js';
import { samplePlaylists } from './samples.js';

const REFRESH_MS = 5000;

/** Home: my rooms (with unread badges), live rooms to join, and opening a room from a sample playlist. */
export class LobbyView {
  #timer;
  #lists = {};
  /** Pages of live rooms the person has opened with "Show more rooms"; refreshes reload that many. */
  #livePages = 1;
  #moreLive;

  constructor({ api, session, openRoom }) {
    this.api = api;
    this.session = session;
    this.openRoom = openRoom;
  }

  mount(main) {
    this.#lists.joined = h('ul', { class: 'room-grid', 'aria-labelledby': 'my-rooms-heading' });
    // tabindex -1: focus can land on the list (see refresh), Tab does not stop on it.
    this.#lists.live = h('ul', {
      class: 'room-grid',
      'aria-labelledby': 'live-rooms-heading',
      tabindex: -1,
    });
    this.#moreLive = h('button', { type: 'button', class: 'more-rooms', hidden: true }, 'Show more rooms');
    this.#moreLive.addEventListener('click', () => {
      this.#livePages += 1;
      void this.refresh();
    });
    main.append(
      h('h1', { class: 'visually-hidden' }, 'Rooms'),
      h(
        'section',
        { class: 'lobby-section' },
        h('h2', { id: 'my-rooms-heading' }, 'My rooms'),
        this.#lists.joined,
      ),
      h(
        'section',
        { class: 'lobby-section' },
        h('h2', { id: 'live-rooms-heading' }, 'Live rooms'),
        this.#lists.live,
        this.#moreLive,
      ),
      h(
        'section',
        { class: 'lobby-section' },
        h('h2', { id: 'start-heading' }, 'Start a chat from a playlist'),
        h(
          'p',
          { class: 'hint' },
          'You own these sample playlists. Starting a chat opens a room everyone can join, playing the playlist in sync.',
        ),
        h(
          'ul',
          { class: 'playlist-grid', 'aria-labelledby': 'start-heading' },
          samplePlaylists.map((playlist) => this.#playlistCard(playlist)),
        ),
      ),
    );
    void this.refresh();
    this.#timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.refresh();
    }, REFRESH_MS);
  }

  destroy() {
    clearInterval(this.#timer);
  }

  async refresh() {
    try {
      const shown = this.#lists.live.querySelectorAll('a').length;
      const [joined, { rooms: live, more }] = await Promise.all([this.api.joinedRooms(), this.#liveRooms()]);
      this.#fill(
        this.#lists.joined,
        joined,
        'You are in no room yet. Join a live room or start one from a playlist.',
      );
      this.#fill(this.#lists.live, live, 'No other live rooms right now.');
      // The last page hides "Show more rooms": if it had keyboard focus, the rooms it brought
      // take it (the first new one, else the list), not <body>; as the log does for older lines.
      const hadFocus = document.activeElement === this.#moreLive;
      this.#moreLive.hidden = !more;
      if (hadFocus && !more) (this.#lists.live.querySelectorAll('a')[shown] ?? this.#lists.live).focus();
    } catch (error) {
      showError('Could not load the rooms.', describeError(error));
    }
  }

  /** The live rooms of the pages opened so far, and whether more follow. */
  async #liveRooms() {
    const rooms = [];
    let cursor;
    for (let page = 0; page < this.#livePages; page++) {
      const { items, nextCursor } = await this.api.liveRooms(cursor);
      rooms.push(...items);
      cursor = nextCursor;
      if (!cursor) break;
    }
    return { rooms, more: Boolean(cursor) };
  }

  /**
   * Updates a list in place, keyed by room id: existing cards keep their element (and so keyboard
   * focus) and only change what changed; new rooms are added, gone ones removed, moved ones moved.
   */
  #fill(list, rooms, empty) {
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    if (rooms.length === 0) {
      if (list.children.length !== 1 || list.firstElementChild.textContent !== empty)
        list.replaceChildren(h('li', { class: 'empty' }, empty));
      return;
    }
    const existing = new Map();
    for (const item of [...list.children]) {
      if (item.dataset.roomId) existing.set(item.dataset.roomId, item);
      else item.remove();
    }
    let previous = null;
    for (const room of rooms) {
      let item = existing.get(room.id);
      if (item) {
        existing.delete(room.id);
        this.#updateCard(item, room);
      } else {
        item = this.#roomCard(room);
      }
      const slot = previous ? previous.nextElementSibling : list.firstElementChild;
      if (slot !== item) list.insertBefore(item, slot);
      previous = item;
    }
    for (const gone of existing.values()) gone.remove();
    // Moving a focused card (a rare reorder) blurs it: give it its focus back, never take focus.
    if (focused?.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  #roomCard(room) {
    const link = h('a', { class: 'room-card', href: `#/room/${encodeURIComponent(room.id)}` });
    const item = h('li', { dataset: { roomId: room.id } }, link);
    this.#updateCard(item, room);
    return item;
  }

  /** Redraws a card's content only when what it shows changed (its link, and focus, stay). */
  #updateCard(item, room) {
    const unread = room.unreadCount ?? 0;
    const shown = JSON.stringify([room.roomName, room.userCount, unread, room.thumbnail ?? null]);
    if (item.dataset.shown === shown) return;
    item.dataset.shown = shown;
    item.firstElementChild.replaceChildren(
      room.thumbnail
        ? h('img', { class: 'thumbnail', src: room.thumbnail, alt: '', width: 64, height: 64 })
        : h('span', { class: 'thumbnail placeholder', 'aria-hidden': 'true' }, '♪'),
      h('span', { class: 'room-name', dir: 'auto' }, room.roomName),
      h('span', { class: 'room-meta' }, plural(room.userCount, 'participant')),
      unread > 0
        ? h(
            'span',
            { class: 'badge', 'aria-label': plural(unread, 'unread message') },
            unread > 99 ? '99+' : String(unread),
          )
        : null,
    );
  }

  #playlistCard(playlist) {
    const button = h('button', { type: 'button', class: 'button primary' }, 'Start chat');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const room = await this.api.createRoom({
          uid: this.session.uid,
          userName: this.session.nickName,
          playlist: {
            id: `${playlist.id}-${this.session.uid}`,
            name: playlist.name,
            musics: playlist.musics,
          },
        });
        this.openRoom(room.id);
      } catch (error) {
        showError(`Could not start a chat for ${playlist.name}.`, describeError(error));
      } finally {
        button.disabled = false;
      }
    });
    return h(
      'li',
      { class: 'playlist-card' },
      h('img', { class: 'thumbnail', src: playlist.musics[0].thumbnail, alt: '', width: 64, height: 64 }),
      h(
        'div',
        {},
        h('h3', {}, playlist.name),
        h(
          'p',
          { class: 'room-meta' },
          `${playlist.description} · ${plural(playlist.musics.length, 'track')}`,
        ),
      ),
      button,
    );
  }
}
