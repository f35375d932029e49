import { h } from '../dom.js';

const TYPING_SEND_EVERY_MS = 2000;

/**
 * Where I write: Enter sends, Shift+Enter (or an IME composition) adds a line. While I type,
 * `onTyping` fires at most every 2 s, so the others' "is typing" stays lit without a flood.
 */
export class Composer {
  #lastTypingSent = 0;

  constructor({ onSend, onTyping }) {
    this.input = h('textarea', {
      id: 'composer-input',
      rows: 2,
      placeholder: 'Say something to the room…',
      autocomplete: 'off',
    });
    this.input.addEventListener('input', () => {
      const now = Date.now();
      if (now - this.#lastTypingSent < TYPING_SEND_EVERY_MS || this.input.value.trim() === '') return;
      this.#lastTypingSent = now;
      onTyping();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.element.requestSubmit();
      }
    });
    this.element = h(
      'form',
      { class: 'composer' },
      h('label', { for: 'composer-input', class: 'visually-hidden' }, 'Message'),
      this.input,
      h('button', { type: 'submit', class: 'button primary' }, 'Send'),
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      const content = this.input.value.trim();
      if (!content) return;
      this.input.value = '';
      onSend(content);
    });
  }

  focus() {
    this.input.focus();
  }
}
