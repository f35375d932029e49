import { h } from '../dom.js';
import { describeError, showError } from '../notices.js';
import { storedLine } from './message-line.js';

/**
 * The scrolling log of stored lines, in room order, with older pages loaded on scroll to the top.
 * Lines are keyed by message id, so a line delivered twice (history + replay, or a resend) shows
 * once. Pending lines (mine, not yet stored) stay below every stored line.
 */
export class MessageList {
  #messages = new Map(); // messageId → ChatMessage (stored types only)
  #cursor = null; // `before` for the next older page, null when there is none
  #loadingOlder = false;

  /**
   * @param fetchOlder `(before) => Promise<page>`: the page of lines before a cursor.
   * @param onPage called after each page is shown (lines on screen changed).
   */
  constructor({ myUid, lastReadAtEntry, fetchOlder, onPage }) {
    this.myUid = myUid;
    this.lastReadAtEntry = lastReadAtEntry;
    this.fetchOlder = fetchOlder;
    this.onPage = onPage;
    this.list = h('ol', { class: 'messages' });
    this.olderButton = h(
      'button',
      { type: 'button', class: 'button subtle older', onclick: () => void this.#loadOlder() },
      'Load older messages',
    );
    this.element = h(
      'div',
      { class: 'log', role: 'log', 'aria-label': 'Messages', tabindex: 0 },
      this.olderButton,
      this.list,
    );
    this.element.addEventListener('scroll', () => {
      if (this.element.scrollTop < 80) void this.#loadOlder();
    });
  }

  /** The newest stored line on screen (ids sort in the room's order), or null. */
  get newestId() {
    let newest = '';
    for (const id of this.#messages.keys()) if (id > newest) newest = id;
    return newest || null;
  }

  /** The stored line on screen with this id, or undefined. */
  message(id) {
    return this.#messages.get(id);
  }

  /** Whether my stored line with this client message id is on screen. */
  hasMine(clientMessageId) {
    for (const message of this.#messages.values())
      if (message.clientMessageId === clientMessageId && message.sender.uid === this.myUid) return true;
    return false;
  }

  /** Ids of the stored lines on screen, oldest first. */
  ids() {
    return [...this.#messages.keys()].sort();
  }

  /** A page from the history API: its lines, and the cursor for the next older one. */
  addPage(page) {
    for (const message of page.messages) this.insert(message);
    this.#cursor = page.nextCursor;
    // The last page hides the button: if it had keyboard focus, the log takes it (not <body>).
    const hadFocus = document.activeElement === this.olderButton;
    this.olderButton.hidden = !this.#cursor;
    if (hadFocus && this.olderButton.hidden) this.element.focus({ preventScroll: true });
    this.#placeUnreadDivider();
    this.onPage();
  }

  /**
   * Forgets every stored line on screen (pending ones stay), to start again from a newer page:
   * older pages then load from there, with nothing left out in between.
   */
  clearStored() {
    this.#messages.clear();
    for (const line of this.list.querySelectorAll('[data-id], .unread-divider')) line.remove();
    this.#cursor = null;
  }

  /** Puts a stored line in room order; false if it is already on screen. */
  insert(message) {
    if (this.#messages.has(message.messageId)) return false;
    this.#messages.set(message.messageId, message);
    const line = storedLine(message, this.myUid);
    let before = null;
    for (let node = this.list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.dataset.id && node.dataset.id < message.messageId) break;
      if (node.dataset.id) before = node;
    }
    this.list.insertBefore(line, before ?? this.list.querySelector('.pending'));
    return true;
  }

  appendPending(element) {
    this.list.append(element);
  }

  /** Close enough to the bottom that a new line should keep the view there. */
  nearBottom() {
    const log = this.element;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  scrollToBottom() {
    this.element.scrollTop = this.element.scrollHeight;
  }

  async #loadOlder() {
    if (this.#loadingOlder || !this.#cursor) return;
    this.#loadingOlder = true;
    const log = this.element;
    const fromBottom = log.scrollHeight - log.scrollTop;
    try {
      this.addPage(await this.fetchOlder(this.#cursor));
      log.scrollTop = log.scrollHeight - fromBottom; // keep the same lines in view
    } catch (error) {
      showError('Could not load older messages.', describeError(error));
    } finally {
      this.#loadingOlder = false;
    }
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
}
