import { isDisconnect } from '../connection.js';
import { h } from '../dom.js';
import { pendingLine } from './message-line.js';

const SENDING = 'Sending…';
const WAITING = 'Waiting for connection…';
/** The server's refusal code for a line sent while I appear offline in the room. */
const PRESENCE_OFF = 'presence-off';

/**
 * Lines I send: shown at once as pending, sent with a client message id, and replaced by the
 * stored line when it comes back on the room topic. A refusal marks the line failed with the
 * server's reason and a Retry button; a lost connection is no failure: `resend()` on reconnect
 * sends it again with the same id, and the server stores it once. While sending is held back
 * (`heldBack()` gives the reason: I appear offline here), a Retry or a resend fails the line with
 * that reason instead of sending what the server would refuse (its ERROR ends the connection).
 *
 * Until the server has it, each line is also kept in `store` (this tab's storage) with its id and
 * why it failed: leaving the room or reloading the tab does not lose it. `restore()` shows those
 * lines again on entering the room, and they go with the same id, so still stored once.
 */
export class Outbox {
  // clientMessageId → { content, state: 'sending' | 'failed' | 'stored' (RECEIPT came), reason,
  // restored (kept from before this view), element }
  #pending = new Map();
  #paused = false;
  #stopped = false;

  /**
   * @param store `{ load(): lines, save(lines) }`: where unconfirmed lines are kept meanwhile,
   *   `[{ clientMessageId, content, failure }]`.
   * @param focusAfterRetry `() => void`: moves keyboard focus on when a Retry that had it goes away.
   * @param heldBack `() => string | null`: why lines must not be sent now, or `null`.
   * @param onPresenceOff `() => void`: the server refused a line because I appear offline here.
   */
  constructor({ connection, session, roomId, messages, store, focusAfterRetry, heldBack, onPresenceOff }) {
    this.connection = connection;
    this.session = session;
    this.roomId = roomId;
    this.messages = messages;
    this.store = store;
    this.focusAfterRetry = focusAfterRetry;
    this.heldBack = heldBack;
    this.onPresenceOff = onPresenceOff;
  }

  async send(content) {
    const clientMessageId = `c-${crypto.randomUUID()}`;
    const pending = this.#show(clientMessageId, content, false);
    this.#save();
    this.messages.scrollToBottom();
    // After a reconnect, the lines from before go first (`resend()`), this one with them.
    if (!this.#paused) await this.#deliver(clientMessageId, pending);
  }

  /**
   * Entering the room: the lines kept from an earlier visit (or before a reload) show again,
   * after the history just loaded, and wait for `resend()`; failed ones keep their reason and
   * Retry. One the history holds already was stored meanwhile: it is done.
   */
  restore() {
    for (const { clientMessageId, content, failure } of this.store.load()) {
      if (this.#pending.has(clientMessageId) || this.messages.hasMine(clientMessageId)) continue;
      const pending = this.#show(clientMessageId, content, true);
      if (failure) this.#fail(clientMessageId, pending, failure);
    }
    this.#save();
  }

  /** A reconnect: new lines wait until `resend()`, so that the room gets my lines in order. */
  pause() {
    this.#paused = true;
  }

  /** After a reconnect: send again what the server has not confirmed (failed lines wait for Retry). */
  resend() {
    this.#paused = false;
    for (const [clientMessageId, pending] of this.#pending) {
      if (pending.state === 'sending') void this.#deliver(clientMessageId, pending);
    }
  }

  /** A stored line arrived: if it is one of mine, drop its pending copy (the stored line takes its place). */
  confirm(message) {
    if (!message.clientMessageId || message.sender.uid !== this.session.uid) return;
    const pending = this.#pending.get(message.clientMessageId);
    if (!pending) return;
    pending.element.remove();
    this.#pending.delete(message.clientMessageId);
    this.#save();
  }

  /**
   * The room view is left: nothing more is sent from here, and what still answers changes
   * nothing kept (the room entered again keeps its own list from the store).
   */
  stop() {
    this.#stopped = true;
  }

  /** I left the room for good: its unsent lines go with it. */
  forget() {
    this.stop();
    this.store.save([]);
  }

  #show(clientMessageId, content, restored) {
    const element = pendingLine(this.session, content, this.#statusText());
    const pending = { content, state: 'sending', reason: null, restored, element };
    this.#pending.set(clientMessageId, pending);
    this.messages.appendPending(element);
    return pending;
  }

  /** Writes down the lines the server does not have yet (stored ones are in the history). */
  #save() {
    if (this.#stopped) return;
    const lines = [];
    for (const [clientMessageId, { content, state, reason }] of this.#pending)
      if (state !== 'stored') lines.push({ clientMessageId, content, failure: reason });
    this.store.save(lines);
  }

  /** Offline, a line waits for the connection to come back: saying "Sending…" would not be true. */
  #statusText() {
    return this.connection.connected ? SENDING : WAITING;
  }

  #setStatus(pending, text) {
    const status = pending.element.querySelector('.status');
    if (status.textContent !== text) status.textContent = text;
  }

  async #deliver(clientMessageId, pending) {
    if (this.#stopped) return;
    const reason = this.heldBack();
    if (reason) {
      this.#fail(clientMessageId, pending, reason);
      return;
    }
    this.#setStatus(pending, this.#statusText());
    try {
      await this.connection.request('/chat/pub/send', {
        roomId: this.roomId,
        clientMessageId,
        content: pending.content,
      });
      this.#stored(clientMessageId, pending);
    } catch (error) {
      if (this.#stopped || this.#pending.get(clientMessageId) !== pending) return; // confirmed already
      if (isDisconnect(error)) {
        // Resent with the same id on reconnect.
        if (pending.state === 'sending') this.#setStatus(pending, WAITING);
        return;
      }
      // Said by the server itself (the choice may come from another tab): hold back what follows.
      if (error.code === PRESENCE_OFF) this.onPresenceOff();
      this.#fail(clientMessageId, pending, error.message);
    }
  }

  /** The RECEIPT: the line is stored, so it is not kept for sending again. */
  #stored(clientMessageId, pending) {
    if (this.#stopped || this.#pending.get(clientMessageId) !== pending) return; // confirmed already
    pending.state = 'stored';
    // A line kept from before may have been stored then, and be older than the history shown:
    // its resend is answered but not delivered again. It is in the history; the copy goes.
    if (pending.restored) {
      pending.element.remove();
      this.#pending.delete(clientMessageId);
    }
    this.#save();
  }

  #fail(clientMessageId, pending, reason) {
    pending.state = 'failed';
    pending.reason = reason;
    this.#save();
    pending.element.classList.add('failed');
    pending.element.removeAttribute('aria-hidden'); // the reason and Retry are for everyone
    const status = pending.element.querySelector('.status');
    status.textContent = `Not sent: ${reason}`;
    status.setAttribute('role', 'alert');
    const retry = h('button', { type: 'button', class: 'button subtle small' }, 'Retry');
    retry.addEventListener('click', () => {
      const hadFocus = document.activeElement === retry;
      pending.state = 'sending';
      pending.reason = null;
      this.#save();
      pending.element.classList.remove('failed');
      pending.element.setAttribute('aria-hidden', 'true');
      status.textContent = this.#statusText();
      status.removeAttribute('role');
      retry.remove();
      // The button is gone, so its focus would fall to <body>. Not onto the line: while it is sent
      // again it is hidden from screen readers (focus there would name nothing), and it is
      // replaced once stored. The message box is where the person goes on writing, and a second
      // refusal is read out from the line's role=alert wherever focus is.
      if (hadFocus) this.focusAfterRetry();
      discard.remove();
      void this.#deliver(clientMessageId, pending);
    });
    // A line refused for good (another member's line took its id) would otherwise come back on
    // every visit: the person can let it go.
    const discard = h('button', { type: 'button', class: 'button subtle small' }, 'Discard');
    discard.addEventListener('click', () => {
      const hadFocus = document.activeElement === discard;
      pending.element.remove();
      this.#pending.delete(clientMessageId);
      this.#save();
      if (hadFocus) this.focusAfterRetry();
    });
    status.after(' ', retry, ' ', discard);
  }
}
