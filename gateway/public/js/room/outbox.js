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
 */
export class Outbox {
  #pending = new Map(); // clientMessageId → { content, state: 'sending' | 'failed', element }

  /**
   * @param focusAfterRetry `() => void`: moves keyboard focus on when a Retry that had it goes away.
   * @param heldBack `() => string | null`: why lines must not be sent now, or `null`.
   * @param onPresenceOff `() => void`: the server refused a line because I appear offline here.
   */
  constructor({ connection, session, roomId, messages, focusAfterRetry, heldBack, onPresenceOff }) {
    this.connection = connection;
    this.session = session;
    this.roomId = roomId;
    this.messages = messages;
    this.focusAfterRetry = focusAfterRetry;
    this.heldBack = heldBack;
    this.onPresenceOff = onPresenceOff;
  }

  async send(content) {
    const clientMessageId = `c-${crypto.randomUUID()}`;
    const element = pendingLine(this.session, content, this.#statusText());
    const pending = { content, state: 'sending', element };
    this.#pending.set(clientMessageId, pending);
    this.messages.appendPending(pending.element);
    this.messages.scrollToBottom();
    await this.#deliver(clientMessageId, pending);
  }

  /** After a reconnect: send again what the server has not confirmed (failed lines wait for Retry). */
  resend() {
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
    const reason = this.heldBack();
    if (reason) {
      this.#fail(clientMessageId, pending, new Error(reason));
      return;
    }
    this.#setStatus(pending, this.#statusText());
    try {
      await this.connection.request('/chat/pub/send', {
        roomId: this.roomId,
        clientMessageId,
        content: pending.content,
      });
    } catch (error) {
      if (isDisconnect(error)) {
        // Resent with the same id on reconnect.
        if (pending.state === 'sending') this.#setStatus(pending, WAITING);
        return;
      }
      // Said by the server itself (the choice may come from another tab): hold back what follows.
      if (error.code === PRESENCE_OFF) this.onPresenceOff();
      this.#fail(clientMessageId, pending, error);
    }
  }

  #fail(clientMessageId, pending, error) {
    pending.state = 'failed';
    pending.element.classList.add('failed');
    pending.element.removeAttribute('aria-hidden'); // the reason and Retry are for everyone
    const status = pending.element.querySelector('.status');
    status.textContent = `Not sent: ${error.message}`;
    status.setAttribute('role', 'alert');
    const retry = h('button', { type: 'button', class: 'button subtle small' }, 'Retry');
    retry.addEventListener('click', () => {
      const hadFocus = document.activeElement === retry;
      pending.state = 'sending';
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
      void this.#deliver(clientMessageId, pending);
    });
    status.after(' ', retry);
  }
}
