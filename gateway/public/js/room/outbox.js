import { isDisconnect } from '../connection.js';
import { h } from '../dom.js';
import { pendingLine } from './message-line.js';

/**
 * Lines I send: shown at once as pending, sent with a client message id, and replaced by the
 * stored line when it comes back on the room topic. A refusal marks the line failed with the
 * server's reason and a Retry button; a lost connection is no failure: `resend()` on reconnect
 * sends it again with the same id, and the server stores it once.
 */
export class Outbox {
  #pending = new Map(); // clientMessageId → { content, state: 'sending' | 'failed', element }

  constructor({ connection, session, roomId, messages }) {
    this.connection = connection;
    this.session = session;
    this.roomId = roomId;
    this.messages = messages;
  }

  async send(content) {
    const clientMessageId = `c-${crypto.randomUUID()}`;
    const pending = { content, state: 'sending', element: pendingLine(this.session, content) };
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

  async #deliver(clientMessageId, pending) {
    try {
      await this.connection.request('/chat/pub/send', {
        roomId: this.roomId,
        clientMessageId,
        content: pending.content,
      });
    } catch (error) {
      if (isDisconnect(error)) return; // resent with the same id on reconnect
      this.#fail(clientMessageId, pending, error);
    }
  }

  #fail(clientMessageId, pending, error) {
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
