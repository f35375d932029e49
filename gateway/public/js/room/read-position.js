/**
 * How far I have read, going out: told to the room as I read (the others' read receipts) and
 * saved when I leave the view (my unread count in the lobby, the divider when I come back).
 */
export class ReadPosition {
  #lastSent = '';
  #timer;

  /**
   * @param newestId `() => messageId | null`: the newest stored line I have on screen.
   * @param quiet `() => boolean`: true while the room must not hear I read (I appear offline here).
   */
  constructor({ api, connection, roomId, newestId, quiet }) {
    this.api = api;
    this.connection = connection;
    this.roomId = roomId;
    this.newestId = newestId;
    this.quiet = quiet;
  }

  /** The server saved this position itself (my own line): no READ needed up to it. */
  savedByServer(messageId) {
    if (messageId > this.#lastSent) this.#lastSent = messageId;
  }

  /**
   * Tells the room soon: at most once a second, only while the page is seen, and not while I
   * appear offline ("Seen by" would show me all the same; leaving still saves the position).
   */
  markSoon() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const newest = this.newestId();
      if (
        !newest ||
        newest <= this.#lastSent ||
        document.visibilityState !== 'visible' ||
        !this.connection.connected ||
        this.quiet()
      )
        return;
      this.#lastSent = newest;
      this.connection.fire('/chat/pub/read', { roomId: this.roomId, messageId: newest });
    }, 1000);
  }

  /**
   * Saves it with PUT /v1/api/rooms/leave, which also ends my presence in the room for this
   * connection. `keepalive` lets the request outlive a page being closed.
   */
  save(keepalive) {
    this.api.leave(this.roomId, this.newestId(), { keepalive }).catch(() => {});
  }

  stop() {
    clearTimeout(this.#timer);
  }
}
