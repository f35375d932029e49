import { avatar } from './avatar.js';
import { isDisconnect } from './connection.js';
import { clear, formatTime, h, plural } from './dom.js';
import { describeError, showError, showInfo } from './notices.js';
import { NowPlaying } from './now-playing.js';

const PAGE_SIZE = 12;
const TYPING_SEND_EVERY_MS = 2000;
const TYPING_SHOWN_MS = 4000;
const STORED = new Set(['ENTER', 'TALK', 'EXIT']);

/**
 * One room: the chat (ENTER/TALK/EXIT lines, older ones 12 at a time on scroll), typing and read
 * receipts, who is online, and the track playing now. Lines are keyed by message id, so a line
 * delivered twice (history + replay, or a resend) shows once; lines I send show at once and are
 * confirmed (or marked failed with the server's reason) when the server answers.
 */
export class RoomView {
  #messages = new Map(); // messageId → ChatMessage (stored types only)
  #pending = new Map(); // clientMessageId → { content, state, element }
  #readers = new Map(); // uid → messageIdRead (other members)
  #online = new Set();
  #typing = new Map(); // uid → { nickName, until }
  #cursor = null; // `before` for the next older page, null when there is none
  #loadingOlder = false;
  #lastTypingSent = 0;
  #lastReadSent = '';
  #readTimer;
  #typingTimer;
  #detachConnect;
  #subscription;
  #roomRefresh;
  #joinedHere = false; // this view sent /chat/pub/join: the connection counts for my presence in the room
  #destroyed = false;

  constructor({ api, connection, session, roomId, leaveToLobby }) {
    this.api = api;
    this.connection = connection;
    this.session = session;
    this.roomId = roomId;
    this.leaveToLobby = leaveToLobby;
    this.onPageHide = () => this.#saveReadPosition(true);
  }

  get #newestId() {
    let newest = '';
    for (const id of this.#messages.keys()) if (id > newest) newest = id;
    return newest || null;
  }

  async mount(main) {
    main.append(h('p', { class: 'loading', role: 'status' }, 'Opening the room…'));
    try {
      let room = await this.api.room(this.roomId);
      if (!room.users[this.session.uid]) {
        await this.#whenConnected();
        if (this.#destroyed) return;
        await this.connection.request('/chat/pub/join', { roomId: this.roomId });
        this.#joinedHere = true;
        if (this.#destroyed) {
          // Gone back while the join was under way: end the presence it began.
          this.#saveReadPosition(false);
          return;
        }
        room = await this.api.room(this.roomId);
      }
      const [reentry, page, presence] = await Promise.all([
        this.api.reentry(this.roomId),
        this.api.history(this.roomId, undefined, PAGE_SIZE),
        this.api.presenceOn(this.roomId).catch(() => ({ members: [] })),
      ]);
      if (this.#destroyed) return;
      this.room = room;
      for (const member of Object.values(room.users)) {
        if (member.uid !== this.session.uid && member.lastReadMessageId)
          this.#readers.set(member.uid, member.lastReadMessageId);
      }
      for (const member of presence.members) this.#online.add(member.uid);
      this.lastReadAtEntry = reentry.lastReadMessageId;
      clear(main).append(this.#build(room));
      document.title = `${room.roomName} — Playlist chat`;
      this.nowPlaying.sync(reentry.nowPlaying ?? room.nowPlaying);
      this.#addPage(page);
      this.#renderMembers();
      this.#scrollToBottom();
      this.#detachConnect = this.connection.onConnect(() => this.#attach());
      window.addEventListener('pagehide', this.onPageHide);
      this.input.focus();
    } catch (error) {
      showError('Could not open the room.', describeError(error));
      this.leaveToLobby();
    }
  }

  /**
   * Leave for now: stop listening and save how far I have read. Both end my presence in the
   * room for this connection (UNSUBSCRIBE of the room topic, then PUT /v1/api/rooms/leave).
   */
  destroy() {
    this.#destroyed = true;
    this.#detachConnect?.();
    this.#subscription?.unsubscribe();
    this.nowPlaying?.stop();
    clearTimeout(this.#readTimer);
    clearInterval(this.#typingTimer);
    clearTimeout(this.#roomRefresh);
    window.removeEventListener('pagehide', this.onPageHide);
    if (this.room || this.#joinedHere) this.#saveReadPosition(true);
  }

  #whenConnected() {
    return new Promise((resolve) => {
      const stop = this.connection.onConnect(() => {
        queueMicrotask(() => stop());
        resolve();
      });
    });
  }

  // ---- view -------------------------------------------------------------------------------

  #build(room) {
    this.title = h('h1', { id: 'room-title' }, room.roomName);
    this.meta = h('p', { class: 'room-meta' });
    this.list = h('ol', { class: 'messages' });
    this.olderButton = h(
      'button',
      { type: 'button', class: 'button subtle older', onclick: () => void this.#loadOlder() },
      'Load older messages',
    );
    this.log = h(
      'div',
      { class: 'log', role: 'log', 'aria-label': 'Messages', tabindex: 0 },
      this.olderButton,
      this.list,
    );
    this.log.addEventListener('scroll', () => {
      if (this.log.scrollTop < 80) void this.#loadOlder();
    });
    this.typingLine = h('p', { class: 'typing', 'aria-live': 'polite' });
    this.input = h('textarea', {
      id: 'composer-input',
      rows: 2,
      placeholder: 'Say something to the room…',
      autocomplete: 'off',
    });
    this.input.addEventListener('input', () => this.#typed());
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form = h(
      'form',
      { class: 'composer' },
      h('label', { for: 'composer-input', class: 'visually-hidden' }, 'Message'),
      this.input,
      h('button', { type: 'submit', class: 'button primary' }, 'Send'),
    );
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const content = this.input.value.trim();
      if (!content) return;
      this.input.value = '';
      void this.#send(content);
    });
    this.nowPlaying = new NowPlaying(room.playlist);
    this.members = h('ul', { class: 'members', 'aria-labelledby': 'members-heading' });
    this.presenceButton = h(
      'button',
      { type: 'button', class: 'button subtle small', onclick: () => void this.#togglePresence() },
      'Appear offline',
    );
    this.#typingTimer = setInterval(() => this.#renderTyping(), 1000);

    return h(
      'section',
      { class: 'room', 'aria-labelledby': 'room-title' },
      h(
        'div',
        { class: 'room-header' },
        h(
          'button',
          { type: 'button', class: 'button subtle', onclick: () => this.leaveToLobby() },
          '← Rooms',
        ),
        h('div', { class: 'room-heading' }, this.title, this.meta),
        h(
          'button',
          { type: 'button', class: 'button danger', onclick: () => void this.#exitForGood() },
          'Leave room',
        ),
      ),
      h(
        'div',
        { class: 'room-layout' },
        h('div', { class: 'chat panel' }, this.log, this.typingLine, this.form),
        h(
          'aside',
          { class: 'side' },
          this.nowPlaying.element,
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'members-heading' },
            h(
              'div',
              { class: 'panel-heading' },
              h('h2', { id: 'members-heading' }, 'In this room'),
              this.presenceButton,
            ),
            this.members,
          ),
        ),
      ),
    );
  }

  #renderMembers() {
    const users = Object.values(this.room.users).sort((a, b) => {
      const online = Number(this.#online.has(b.uid)) - Number(this.#online.has(a.uid));
      return online || a.nickName.localeCompare(b.nickName);
    });
    this.meta.textContent = `${plural(users.length, 'participant')} · ${this.#online.size} online`;
    clear(this.members);
    for (const user of users) {
      const online = this.#online.has(user.uid);
      this.members.append(
        h(
          'li',
          { class: online ? 'member online' : 'member' },
          avatar(user, 'sm'),
          h('span', { class: 'member-name' }, user.nickName, user.uid === this.session.uid ? ' (you)' : ''),
          h('span', { class: 'presence-state' }, online ? 'online' : 'offline'),
        ),
      );
    }
    this.presenceButton.textContent = this.#online.has(this.session.uid) ? 'Appear offline' : 'Go online';
  }

  #renderTyping() {
    const now = Date.now();
    const names = [];
    for (const [uid, typing] of this.#typing) {
      if (typing.until < now) this.#typing.delete(uid);
      else names.push(typing.nickName);
    }
    const text =
      names.length === 0
        ? ''
        : names.length === 1
          ? `${names[0]} is typing…`
          : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
    if (this.typingLine.textContent !== text) this.typingLine.textContent = text;
  }

  #lineFor(message) {
    if (message.type !== 'TALK') {
      const text =
        message.content ||
        `${message.sender.nickName} ${message.type === 'ENTER' ? 'has entered' : 'has left'}`;
      return h(
        'li',
        { class: 'line system', dataset: { id: message.messageId } },
        h('span', {}, text),
        h('time', { datetime: message.createdAt }, formatTime(message.createdAt)),
      );
    }
    const mine = message.sender.uid === this.session.uid;
    return h(
      'li',
      { class: mine ? 'line talk mine' : 'line talk', dataset: { id: message.messageId } },
      avatar(message.sender),
      h(
        'div',
        { class: 'bubble' },
        h(
          'p',
          { class: 'line-head' },
          h('span', { class: 'nick' }, message.sender.nickName),
          ' ',
          h('time', { datetime: message.createdAt }, formatTime(message.createdAt)),
        ),
        h('p', { class: 'content' }, message.content),
        h('p', { class: 'receipts' }),
      ),
    );
  }

  /** Puts a stored line in room order (ids sort in the room's order). */
  #insert(message) {
    if (this.#messages.has(message.messageId)) return false;
    this.#messages.set(message.messageId, message);
    const line = this.#lineFor(message);
    let before = null;
    for (let node = this.list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.dataset.id && node.dataset.id < message.messageId) break;
      if (node.dataset.id) before = node;
    }
    this.list.insertBefore(line, before ?? this.#firstPending());
    return true;
  }

  /** "New messages" above the first line after my read position when I came in. */
  #placeUnreadDivider() {
    this.list.querySelector('.unread-divider')?.remove();
    if (!this.lastReadAtEntry) return;
    const firstUnread = [...this.list.querySelectorAll('[data-id]')].find(
      (line) => line.dataset.id > this.lastReadAtEntry,
    );
    if (firstUnread)
      this.list.insertBefore(
        h('li', { class: 'unread-divider', role: 'separator' }, 'New messages'),
        firstUnread,
      );
  }

  #firstPending() {
    return this.list.querySelector('.pending');
  }

  #renderReceipts() {
    for (const receipts of this.list.querySelectorAll('.receipts')) receipts.textContent = '';
    const byMessage = new Map();
    const ids = [...this.#messages.keys()].sort();
    for (const [uid, readId] of this.#readers) {
      // The newest line this reader has read that is on screen.
      let seen = null;
      for (const id of ids) if (id <= readId) seen = id;
      if (!seen) continue;
      const name = this.room.users[uid]?.nickName;
      if (name) byMessage.set(seen, [...(byMessage.get(seen) ?? []), name]);
    }
    for (const [id, names] of byMessage) {
      const receipts = this.list.querySelector(`[data-id="${CSS.escape(id)}"] .receipts`);
      if (receipts) receipts.textContent = `Seen by ${names.sort().join(', ')}`;
    }
  }

  #nearBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
  }

  #scrollToBottom() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ---- data in ---------------------------------------------------------------------------

  #addPage(page) {
    for (const message of page.messages) this.#insert(message);
    this.#cursor = page.nextCursor;
    this.olderButton.hidden = !this.#cursor;
    this.#placeUnreadDivider();
    this.#renderReceipts();
    this.#markRead();
  }

  async #loadOlder() {
    if (this.#loadingOlder || !this.#cursor) return;
    this.#loadingOlder = true;
    const fromBottom = this.log.scrollHeight - this.log.scrollTop;
    try {
      const page = await this.api.history(this.roomId, this.#cursor, PAGE_SIZE);
      this.#addPage(page);
      this.log.scrollTop = this.log.scrollHeight - fromBottom; // keep the same lines in view
    } catch (error) {
      showError('Could not load older messages.', describeError(error));
    } finally {
      this.#loadingOlder = false;
    }
  }

  /** On every (re)connect: subscribe from the newest line I have (the server replays the gap), resend unconfirmed lines. */
  #attach() {
    const newest = this.#newestId;
    this.#subscription = this.connection.subscribe(
      `/chat/topic/room/${this.roomId}`,
      newest ? { 'last-message-id': newest } : {},
      (message, headers) => this.#receive(message, headers),
      (failure) => {
        showError('You cannot follow this room.', `${failure.message} (${failure.code})`);
        this.leaveToLobby();
      },
    );
    for (const [clientMessageId, pending] of this.#pending) {
      if (pending.state === 'sending') void this.#deliver(clientMessageId, pending);
    }
  }

  #receive(message, headers) {
    if (STORED.has(message.type)) {
      const stick = this.#nearBottom() || message.sender.uid === this.session.uid;
      const pending =
        message.clientMessageId && message.sender.uid === this.session.uid
          ? this.#pending.get(message.clientMessageId)
          : undefined;
      if (pending) {
        pending.element.remove();
        this.#pending.delete(message.clientMessageId);
      }
      this.#insert(message);
      this.#typing.delete(message.sender.uid);
      this.#renderTyping();
      this.#renderReceipts();
      if (stick) this.#scrollToBottom();
      this.#markRead();
      if (message.type !== 'TALK') this.#refreshRoomSoon();
      if (headers['replay-truncated'] === 'true')
        showInfo('You missed many messages; scroll up to read them all.');
      return;
    }
    if (message.sender.uid === this.session.uid && message.type !== 'PRESENCE') return;
    switch (message.type) {
      case 'TYPING':
        this.#typing.set(message.sender.uid, {
          nickName: message.sender.nickName,
          until: Date.now() + TYPING_SHOWN_MS,
        });
        this.#renderTyping();
        break;
      case 'READ':
        if (message.messageIdRead) this.#readers.set(message.sender.uid, message.messageIdRead);
        this.#renderReceipts();
        break;
      case 'PRESENCE':
        if (message.state === 'on') this.#online.add(message.sender.uid);
        else this.#online.delete(message.sender.uid);
        this.#renderMembers();
        break;
    }
  }

  /** Membership changed (ENTER/EXIT): fetch the member list again, once for a burst. */
  #refreshRoomSoon() {
    clearTimeout(this.#roomRefresh);
    this.#roomRefresh = setTimeout(async () => {
      try {
        this.room = await this.api.room(this.roomId);
        const presence = await this.api.presenceOn(this.roomId).catch(() => null);
        if (presence) this.#online = new Set(presence.members.map((member) => member.uid));
        if (!this.#destroyed) this.#renderMembers();
      } catch (error) {
        if (error.status === 404) {
          showInfo('This room has closed.');
          this.leaveToLobby();
        }
      }
    }, 300);
  }

  // ---- data out --------------------------------------------------------------------------

  async #send(content) {
    const clientMessageId = `c-${crypto.randomUUID()}`;
    const element = h(
      'li',
      { class: 'line talk mine pending' },
      avatar(this.session),
      h(
        'div',
        { class: 'bubble' },
        h('p', { class: 'line-head' }, h('span', { class: 'nick' }, this.session.nickName)),
        h('p', { class: 'content' }, content),
        h('p', { class: 'line-status' }, h('span', { class: 'status' }, 'Sending…')),
      ),
    );
    const pending = { content, state: 'sending', element };
    this.#pending.set(clientMessageId, pending);
    this.list.append(element);
    this.#scrollToBottom();
    await this.#deliver(clientMessageId, pending);
  }

  async #deliver(clientMessageId, pending) {
    try {
      await this.connection.request('/chat/pub/send', {
        roomId: this.roomId,
        clientMessageId,
        content: pending.content,
      });
    } catch (error) {
      if (isDisconnect(error)) return; // resent with the same id on reconnect; the server stores it once
      pending.state = 'failed';
      pending.element.classList.add('failed');
      const status = pending.element.querySelector('.status');
      status.textContent = `Not sent: ${error.message}`;
      status.setAttribute('role', 'alert');
      const retry = h('button', { type: 'button', class: 'button subtle small' }, 'Retry');
      retry.addEventListener('click', () => {
        pending.state = 'sending';
        pending.element.classList.remove('failed');
        status.textContent = 'Sending…';
        status.removeAttribute('role');
        retry.remove();
        void this.#deliver(clientMessageId, pending);
      });
      status.after(' ', retry);
    }
  }

  #typed() {
    const now = Date.now();
    if (now - this.#lastTypingSent < TYPING_SEND_EVERY_MS || this.input.value.trim() === '') return;
    this.#lastTypingSent = now;
    this.connection.fire('/chat/pub/typing', { roomId: this.roomId });
  }

  /** Tells the room how far I have read (read receipts), at most once a second, only while the page is seen. */
  #markRead() {
    clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => {
      const newest = this.#newestId;
      if (
        !newest ||
        newest <= this.#lastReadSent ||
        document.visibilityState !== 'visible' ||
        !this.connection.connected
      )
        return;
      this.#lastReadSent = newest;
      this.connection.fire('/chat/pub/read', { roomId: this.roomId, messageId: newest });
    }, 1000);
  }

  #saveReadPosition(keepalive) {
    const newest = this.#newestId;
    this.api.leave(this.roomId, newest, { keepalive }).catch(() => {});
  }

  async #togglePresence() {
    const next = this.#online.has(this.session.uid) ? 'off' : 'on';
    try {
      const result = await this.api.setPresence(this.roomId, next);
      if (result.state === 'on') this.#online.add(this.session.uid);
      else this.#online.delete(this.session.uid);
      this.#renderMembers();
      showInfo(
        result.state === 'on' ? 'You are online in this room.' : 'You appear offline; go online to chat.',
      );
    } catch (error) {
      showError('Could not change your presence.', describeError(error));
    }
  }

  async #exitForGood() {
    if (!confirm(`Leave “${this.room.roomName}” for good? It will leave your rooms.`)) return;
    try {
      await this.api.exit(this.roomId);
      this.room = null; // nothing to save, and no presence left to end
      this.#joinedHere = false;
      this.leaveToLobby();
      showInfo('You left the room.');
    } catch (error) {
      showError('Could not leave the room.', describeError(error));
    }
  }
}
