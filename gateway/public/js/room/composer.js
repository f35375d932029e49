import { h } from '../dom.js';

const TYPING_SEND_EVERY_MS = 2000;
/**
 * Until the server says its limit (CONNECTED's max-content-length, CHAT_MAX_CONTENT_LENGTH), its
 * default: a longer line is stopped here instead of being cleared and then refused. The textarea
 * counts UTF-16 units and the server code points, so the client is never the more lenient one.
 */
const DEFAULT_MAX_LENGTH = 2000;

/**
 * Where I write: Enter sends, Shift+Enter (or an IME composition) adds a line. While I type,
 * `onTyping` fires at most every 2 s, so the others' "is typing" stays lit without a flood.
 */
export class Composer {
  #lastTypingSent = 0;

  /** @param draft `{ load(): string, save(text) }`: where the unsent text is kept meanwhile. */
  constructor({ onSend, onTyping, draft }) {
    this.input = h('textarea', {
      id: 'composer-input',
      rows: 2,
      placeholder: 'Say something to the room…',
      autocomplete: 'off',
      dir: 'auto',
      maxlength: DEFAULT_MAX_LENGTH,
    });
    this.input.value = draft.load();
    this.input.addEventListener('input', () => {
      draft.save(this.input.value);
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
      draft.save('');
      onSend(content);
    });
  }

  focus() {
    this.input.focus();
  }

  /** The server's limit, once known (`null`: keep the default). */
  limitTo(maxLength) {
    if (maxLength !== null) this.input.maxLength = maxLength;
  }
}
