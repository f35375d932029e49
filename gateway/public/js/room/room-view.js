import { clear, h } from '../dom.js';
import { describeError, showError, showInfo } from '../notices.js';
import { loadDraft, loadUnsent, saveDraft, saveUnsent } from '../session.js';
import { Composer } from './composer.js';
import { roomLayout } from './layout.js';
import { MembersPanel } from './members-panel.js';
import { MessageList } from './message-list.js';
import { NowPlaying } from './now-playing.js';
import { Outbox } from './outbox.js';
import { ReadPosition } from './read-position.js';
import { ReadReceipts } from './read-receipts.js';
import { TypingIndicator } from './typing-indicator.js';

const PAGE_SIZE = 12;
const STORED = new Set(['ENTER', 'TALK', 'EXIT']);
const ROOM_CLOSED = 'This room has closed.';
const APPEARING_OFFLINE = 'You appear offline in this room: go online to send.';
const NO_LONGER_MEMBER = 'You left this room.';
const ONLINE_UNKNOWN = 'Who is online could not be loaded; trying again.';
/** Asking who is online again after a failed lookup: 2 s, 4 s, … then every 30 s. */
const ONLINE_RETRY_FIRST_MS = 2000;
const ONLINE_RETRY_MAX_MS = 30_000;
/** After a reconnect, how long unsent lines wait for my presence choice to be read again. */
const MY_CHOICE_WAIT_MS = 3000;

/**
 * One room: the chat (ENTER/TALK/EXIT lines, older ones 12 at a time on scroll), typing and read
 * receipts, who is online, and the track playing now. The parts (this folder) are built with the
 * view; `mount` enters the room, fills them with what the server says, and routes what arrives on
 * the room topic to them. Lines I send show at once and are confirmed (or marked failed with the
 * server's reason) when the server answers; the ones not confirmed yet come back on entering
 * again (see Outbox).
 */
export class RoomView {
  #detachConnect;
  #subscription;
  #roomRefresh;
  #joinedHere = false; // this view sent /chat/pub/join: the connection counts for my presence in the room
  #destroyed = false;
  #exiting = false; // Leave room was chosen here: this view says so itself
  #attached = false;
  #onlineRetry;
  #onlineRetryMs = ONLINE_RETRY_FIRST_MS;

  constructor({ api, connection, session, roomId, leaveToLobby }) {
    this.api = api;
    this.connection = connection;
    this.session = session;
    this.roomId = roomId;
    this.leaveToLobby = leaveToLobby;
    this.messages = new MessageList({
      myUid: session.uid,
      lastReadAtEntry: null,
      fetchOlder: (before) => api.history(roomId, before, PAGE_SIZE),
      onPage: () => {
        this.receipts.render();
        this.readPosition.markSoon();
      },
    });
    // Names come from this.room, which is fetched again when members come and go.
    this.receipts = new ReadReceipts({
      messages: this.messages,
      myUid: session.uid,
      nameOf: (uid) => this.room?.users[uid]?.nickName,
    });
    // Leaving mid-join still saves (and so ends the presence the join began).
    this.readPosition = new ReadPosition({
      api,
      connection,
      roomId,
      newestId: () => this.messages.newestId,
      quiet: () => this.composer.heldBack !== null,
    });
    this.typing = new TypingIndicator();
    this.outbox = new Outbox({
      connection,
      session,
      roomId,
      messages: this.messages,
      store: {
        load: () => loadUnsent(session.uid, roomId),
        save: (lines) => saveUnsent(session.uid, roomId, lines),
      },
      focusAfterRetry: () => this.composer.focus(),
      heldBack: () => this.composer.heldBack,
      onPresenceOff: () => this.composer.holdBack(APPEARING_OFFLINE),
    });
    this.composer = new Composer({
      onSend: (content) => void this.outbox.send(content),
      onTyping: () => connection.fire('/chat/pub/typing', { roomId }),
      draft: {
        load: () => loadDraft(session.uid, roomId),
        save: (text) => saveDraft(session.uid, roomId, text),
      },
    });
    this.nowPlaying = new NowPlaying();
    this.members = new MembersPanel({
      myUid: session.uid,
      users: {},
      setPresence: (state) => api.setPresence(roomId, state),
      // My choice as the presence server said it on entering and after each reconnect, then my
      // own switch here: being listed off (another tab's choice, or a moment between connections)
      // is not sure enough to keep a line back, so then the server decides (and its refusal
      // holds back what follows).
      onMyChoice: (mayChat) => this.composer.holdBack(mayChat ? null : APPEARING_OFFLINE),
    });
    this.onPageHide = () => this.readPosition.save(true);
    // Lines that came while the tab was hidden are read once it is seen again.
    this.onVisibilityChange = () => {
      if (document.visibilityState === 'visible') this.readPosition.markSoon();
    };
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
          this.readPosition.save(false);
          return;
        }
        room = await this.api.room(this.roomId);
      }
      const [reentry, page, onlineUids, mine] = await Promise.all([
        this.api.reentry(this.roomId),
        this.api.history(this.roomId, undefined, PAGE_SIZE),
        this.#lookUpOnline(),
        this.api.myPresence(this.roomId).catch(() => null), // unknown: the server decides
      ]);
      if (this.#destroyed) return;
      this.room = room;
      this.messages.lastReadAtEntry = reentry.lastReadMessageId;
      this.receipts.seed(room.users);
      this.nowPlaying.load(room.playlist);
      this.members.update(room.users, onlineUids);
      this.#applyMyChoice(mine);
      clear(main).append(this.#layout(room));
      document.title = `${room.roomName} — Playlist chat`;
      this.nowPlaying.sync(reentry.nowPlaying ?? room.nowPlaying);
      this.messages.addPage(page);
      this.outbox.restore(); // lines not confirmed when I was here before, after the history
      this.messages.scrollToBottom();
      if (!onlineUids) {
        showInfo(ONLINE_UNKNOWN);
        this.#lookUpOnlineLater();
      }
      this.#detachConnect = this.connection.onConnect(() => this.#attach());
      window.addEventListener('pagehide', this.onPageHide);
      document.addEventListener('visibilitychange', this.onVisibilityChange);
      this.composer.focus();
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
    this.nowPlaying.stop();
    this.typing.stop();
    this.readPosition.stop();
    this.outbox.stop();
    clearTimeout(this.#roomRefresh);
    clearTimeout(this.#onlineRetry);
    window.removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    if (this.room || this.#joinedHere) this.readPosition.save(true);
  }

  #whenConnected() {
    return new Promise((resolve) => {
      const stop = this.connection.onConnect(() => {
        queueMicrotask(() => stop());
        resolve();
      });
    });
  }

  #layout(room) {
    return roomLayout({
      roomName: room.roomName,
      summary: this.members.summary,
      onBack: () => this.leaveToLobby(),
      onLeave: () => void this.#exitForGood(),
      chat: [this.messages.element, this.typing.element, this.composer.element],
      side: [this.nowPlaying.element, this.members.element],
    });
  }

  /**
   * On every (re)connect: subscribe from the newest line I have (the server replays the gap),
   * resend unconfirmed lines. PRESENCE is not replayed: after a reconnect, who is online (and
   * who is a member) is fetched again, and my own choice is read again before the lines go
   * (another tab may have switched it meanwhile; a line sent to be refused would end the
   * connection).
   */
  #attach() {
    const again = this.#attached;
    if (again) this.#refreshRoomSoon();
    this.#attached = true;
    this.composer.limitTo(this.connection.maxContentLength);
    const newest = this.messages.newestId;
    this.#subscription = this.connection.subscribe(
      `/chat/topic/room/${this.roomId}`,
      newest ? { 'last-message-id': newest } : {},
      (message, headers) => this.#receive(message, headers),
      (failure) => {
        // Closed while I was away (idle clean-up): not an error of mine, and the id says nothing.
        if (failure.code === 'unknown-room') showInfo(ROOM_CLOSED);
        else if (failure.code === 'not-a-member') return this.#leftElsewhere();
        else showError('You cannot follow this room.', `${failure.message} (${failure.code})`);
        this.leaveToLobby();
      },
    );
    if (!again) return this.outbox.resend(); // my choice was read on entering, just now
    this.outbox.pause();
    // A slow presence server does not keep the lines back for long: then the server decides.
    const read = this.api
      .myPresence(this.roomId)
      .catch(() => null) // unknown: the page keeps what it has
      .then((mine) => {
        if (!this.#destroyed) this.#applyMyChoice(mine);
      });
    const waited = new Promise((resolve) => setTimeout(resolve, MY_CHOICE_WAIT_MS));
    void Promise.race([read, waited]).then(() => {
      if (!this.#destroyed) this.outbox.resend();
    });
  }

  /** My own presence in the room as the presence server says it (null: it did not answer). */
  #applyMyChoice(mine) {
    if (!mine) return;
    this.members.presence(this.session.uid, mine.state === 'on');
    // Having left the room stays the reason (the room fetched again says the rest).
    if (this.composer.heldBack === NO_LONGER_MEMBER) return;
    this.composer.holdBack(mine.mayChat === false ? APPEARING_OFFLINE : null);
  }

  /** Who is online in the room (uids), or null when the presence server did not answer. */
  async #lookUpOnline() {
    try {
      const presence = await this.api.presenceOn(this.roomId);
      return presence.members.map((member) => member.uid);
    } catch {
      return null;
    }
  }

  /**
   * Entering, who is online could not be loaded: ask again, 2 s later, then 4 s, … at most 30 s
   * apart, until it answers (or a reconnect's refresh got it) or the view is left.
   */
  #lookUpOnlineLater() {
    clearTimeout(this.#onlineRetry);
    this.#onlineRetry = setTimeout(async () => {
      if (this.#destroyed || this.members.onlineKnown) return;
      const onlineUids = await this.#lookUpOnline();
      if (this.#destroyed || this.members.onlineKnown) return;
      if (onlineUids) return this.members.online(onlineUids);
      this.#onlineRetryMs = Math.min(this.#onlineRetryMs * 2, ONLINE_RETRY_MAX_MS);
      this.#lookUpOnlineLater();
    }, this.#onlineRetryMs);
  }

  #receive(message, headers) {
    const mine = message.sender.uid === this.session.uid;
    if (STORED.has(message.type)) {
      // Decide before the line lands (it changes the height): follow it only if I was at the bottom.
      const stick = this.messages.nearBottom() || mine;
      this.outbox.confirm(message);
      this.messages.insert(message);
      this.typing.stopped(message.sender.uid);
      // Sending is reading up to one's line (the server saves it): no READ goes out for it.
      if (mine) this.readPosition.savedByServer(message.messageId);
      else this.receipts.wrote(message.sender.uid, message.messageId);
      this.receipts.render();
      if (stick) this.messages.scrollToBottom();
      this.readPosition.markSoon();
      // My own EXIT: I left in another tab (or was evicted), and the server has ended this
      // subscription. Keep the text, and let the refreshed room (or room-evicted) say so.
      if (message.type === 'EXIT' && mine && !this.#exiting) this.composer.holdBack(NO_LONGER_MEMBER);
      if (message.type !== 'TALK') this.#refreshRoomSoon();
      if (headers['replay-truncated'] === 'true') void this.#restartFromNewest();
      return;
    }
    // My own typing and reads are no news to me; my presence is (another tab may have changed it).
    if (mine && message.type !== 'PRESENCE') return;
    switch (message.type) {
      case 'TYPING':
        this.typing.started(message.sender);
        break;
      case 'READ':
        this.receipts.read(message.sender.uid, message.messageIdRead);
        break;
      case 'PRESENCE':
        this.members.presence(message.sender.uid, message.state === 'on');
        if (mine && message.state === 'on') this.composer.holdBack(null); // on means I may chat
        break;
    }
  }

  /**
   * More was missed than the server replays (the oldest missed lines came, the newest did not):
   * the log starts again from the newest page, so scrolling up reads every missed line in order
   * instead of leaving a gap after the replayed ones. Lines arriving meanwhile land in it.
   */
  async #restartFromNewest() {
    this.messages.clearStored();
    try {
      const page = await this.api.history(this.roomId, undefined, PAGE_SIZE);
      if (this.#destroyed) return;
      this.messages.addPage(page);
      this.messages.scrollToBottom();
      showInfo('You missed many messages; scroll up to read them all.');
    } catch (error) {
      showError('Could not load the newest messages.', describeError(error));
    }
  }

  /** Membership changed (ENTER/EXIT): fetch the member list again, once for a burst. */
  #refreshRoomSoon() {
    clearTimeout(this.#roomRefresh);
    this.#roomRefresh = setTimeout(async () => {
      try {
        this.room = await this.api.room(this.roomId);
        if (!this.room.users[this.session.uid]) return this.#leftElsewhere();
        const onlineUids = await this.#lookUpOnline(); // null: keep what I have
        if (!this.#destroyed) this.members.update(this.room.users, onlineUids);
      } catch (error) {
        if (error.status === 404) {
          showInfo(ROOM_CLOSED);
          this.leaveToLobby();
        }
      }
    }, 300);
  }

  /**
   * I am no member any more, and this view did not do it (Leave room in another tab or on
   * another device): back to the lobby, saying so; the draft stays for this tab.
   */
  #leftElsewhere() {
    if (this.#exiting || this.#destroyed) return;
    const name = this.room?.roomName;
    this.room = null; // nothing to save, and no presence left to end
    this.#joinedHere = false;
    showInfo(name ? `You left “${name}” in another tab or on another device.` : NO_LONGER_MEMBER);
    this.leaveToLobby();
  }

  async #exitForGood() {
    if (!confirm(`Leave “${this.room.roomName}” for good? It will leave your rooms.`)) return;
    this.#exiting = true;
    try {
      await this.api.exit(this.roomId);
      this.outbox.forget(); // lines I had not sent here go with the room
      this.room = null; // nothing to save, and no presence left to end
      this.#joinedHere = false;
      this.leaveToLobby();
      showInfo('You left the room.');
    } catch (error) {
      this.#exiting = false;
      showError('Could not leave the room.', describeError(error));
    }
  }
}
