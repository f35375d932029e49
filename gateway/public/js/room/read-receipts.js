import { nameList } from '../dom.js';

/**
 * "Seen by …" under the newest line on screen that each other member has read. Only one line
 * per reader carries their name, so the log does not fill up with receipts.
 */
export class ReadReceipts {
  #readers = new Map(); // uid → messageIdRead (other members)

  /** @param nameOf `(uid) => nickName | undefined`, from the room's current member list. */
  constructor({ messages, myUid, nameOf }) {
    this.messages = messages;
    this.myUid = myUid;
    this.nameOf = nameOf;
  }

  /** Where each other member had read to, from the room as fetched on entry. */
  seed(users) {
    for (const member of Object.values(users)) {
      if (member.uid !== this.myUid && member.lastReadMessageId)
        this.#readers.set(member.uid, member.lastReadMessageId);
    }
  }

  /**
   * Another member's line: sending counts as having read up to it (the server saves that, and
   * no READ is sent for one's own line). Only moves a reader forward: replayed lines are older.
   */
  wrote(uid, messageId) {
    if (uid === this.myUid || !messageId) return;
    const known = this.#readers.get(uid);
    if (!known || known < messageId) this.#readers.set(uid, messageId);
  }

  /** A READ from another member (`messageId` may be missing: nothing moves then). */
  read(uid, messageId) {
    if (messageId) this.#readers.set(uid, messageId);
    this.render();
  }

  /**
   * Brings every receipt up to date; call when readers or the lines on screen change. Only a
   * receipt whose text changes is touched: the log is a live region, and rewriting a receipt
   * with the same text would have screen readers read it out again.
   */
  render() {
    const list = this.messages.list;
    const byMessage = new Map();
    const ids = this.messages.ids();
    for (const [uid, readId] of this.#readers) {
      // The newest line on screen this reader has read, other than their own ("Seen by Ben"
      // under Ben's own line says nothing).
      let seen = null;
      for (const id of ids) {
        if (id > readId) break;
        if (this.messages.message(id)?.sender.uid !== uid) seen = id;
      }
      if (!seen) continue;
      const name = this.nameOf(uid);
      if (name) byMessage.set(seen, [...(byMessage.get(seen) ?? []), name]);
    }
    for (const receipts of list.querySelectorAll('[data-id] .receipts')) {
      const names = byMessage.get(receipts.closest('[data-id]').dataset.id);
      // Each name in its own <bdi>, so a right-to-left one does not reorder "Seen by" and the commas.
      const sentence = new DocumentFragment();
      if (names) sentence.append('Seen by ', ...nameList(names.sort()));
      if (receipts.textContent !== sentence.textContent) receipts.replaceChildren(sentence);
    }
  }
}
