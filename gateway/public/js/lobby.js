import { describeError, showError } from './notices.js';
import { clear, h, plural } from './dom.js';
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
    this.#lists.live = h('ul', { class: 'room-grid', 'aria-labelledby': 'live-rooms-heading' });
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
      const [joined, live] = await Promise.all([this.api.joinedRooms(), this.#liveRooms()]);
      this.#fill(
        this.#lists.joined,
        joined,
        'You are in no room yet. Join a live room or start one from a playlist.',
      );
      this.#fill(this.#lists.live, live, 'No other live rooms right now.');
    } catch (error) {
      showError('Could not load the rooms.', describeError(error));
    }
  }

  /** The live rooms of the pages opened so far; shows "Show more rooms" while more follow. */
  async #liveRooms() {
    const rooms = [];
    let cursor;
    for (let page = 0; page < this.#livePages; page++) {
      const { items, nextCursor } = await this.api.liveRooms(cursor);
      rooms.push(...items);
      cursor = nextCursor;
      if (!cursor) break;
    }
    this.#moreLive.hidden = !cursor;
    return rooms;
  }

  #fill(list, rooms, empty) {
    clear(list);
    if (rooms.length === 0) list.append(h('li', { class: 'empty' }, empty));
    for (const room of rooms) list.append(this.#roomCard(room));
  }

  #roomCard(room) {
    const unread = room.unreadCount ?? 0;
    return h(
      'li',
      {},
      h(
        'a',
        { class: 'room-card', href: `#/room/${encodeURIComponent(room.id)}` },
        room.thumbnail
          ? h('img', { class: 'thumbnail', src: room.thumbnail, alt: '', width: 64, height: 64 })
          : h('span', { class: 'thumbnail placeholder', 'aria-hidden': 'true' }, '♪'),
        h('span', { class: 'room-name' }, room.roomName),
        h('span', { class: 'room-meta' }, plural(room.userCount, 'participant')),
        unread > 0
          ? h(
              'span',
              { class: 'badge', 'aria-label': plural(unread, 'unread message') },
              unread > 99 ? '99+' : String(unread),
            )
          : null,
      ),
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
