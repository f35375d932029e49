import { h } from '../dom.js';

const TYPING_SEND_EVERY_MS = 2000;
/** Until the server says its limit (CONNECTED's max-content-length, CHAT_MAX_CONTENT_LENGTH), its default. */
const DEFAULT_MAX_LENGTH = 2000;
/** The count shows from this share of the limit on, so it is there before it matters. */
const SHOW_COUNT_FROM = 0.9;

/** Characters as the server counts them: code points, so an emoji is one. */
const lengthOf = (text) => [...text].length;

/**
 * Where I write: Enter sends, Shift+Enter (or an IME composition) adds a line. While I type,
 * `onTyping` fires at most every 2 s, so the others' "is typing" stays lit without a flood.
 *
 * A line over the server's limit is never cut (a `maxlength` would drop the end of a paste
 * without a word) nor sent to be refused: near the limit a count shows, and over it Send keeps
 * the text and says how much too long it is. Likewise while sending is held back (`holdBack`:
 * I chose to appear offline here), Send keeps the text and says why, and no typing goes out.
 */
export class Composer {
  #lastTypingSent = 0;
  #maxLength = DEFAULT_MAX_LENGTH;
  #heldBack = null;

  /** @param draft `{ load(): string, save(text) }`: where the unsent text is kept meanwhile. */
  constructor({ onSend, onTyping, draft }) {
    this.input = h('textarea', {
      id: 'composer-input',
      rows: 2,
      placeholder: 'Say something to the room…',
      autocomplete: 'off',
      dir: 'auto',
      'aria-describedby': 'composer-count',
    });
    this.count = h('span', { id: 'composer-count', class: 'composer-count', 'aria-live': 'polite' });
    this.input.value = draft.load();
    this.input.addEventListener('input', () => {
      draft.save(this.input.value);
      this.#showCount();
      // Held back (I appear offline here): "is typing" would show me to the others all the same.
      if (this.#heldBack) return;
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
      h('div', { class: 'composer-field' }, this.input, this.count),
      h('button', { type: 'submit', class: 'button primary' }, 'Send'),
    );
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      const content = this.input.value.trim();
      if (!content) return;
      if (this.#heldBack) {
        this.#showCount(this.#heldBack);
        return;
      }
      const length = lengthOf(content);
      if (length > this.#maxLength) {
        this.#showCount(
          `Too long to send: ${length.toLocaleString()} characters, the limit is ${this.#maxLength.toLocaleString()}.`,
        );
        return;
      }
      this.input.value = '';
      draft.save('');
      this.#showCount();
      onSend(content);
    });
    this.#showCount();
  }

  focus() {
    this.input.focus();
  }

  /** The server's limit, once known (`null`: keep the default). */
  limitTo(maxLength) {
    // Told again on every (re)connect: the same limit must not wipe a "Too long to send" shown meanwhile.
    if (maxLength === null || maxLength === this.#maxLength) return;
    this.#maxLength = maxLength;
    this.#showCount();
  }

  /**
   * `reason`: Send keeps the text and says this, instead of sending a line the server would
   * refuse (its ERROR also ends the connection); `null`: send again.
   */
  holdBack(reason) {
    this.#heldBack = reason;
    this.#showCount();
  }

  /** Why sending is held back now, or `null`. */
  get heldBack() {
    return this.#heldBack;
  }

  /** The count near the limit (or `refusal` after a Send that did not go); nothing below. */
  #showCount(refusal) {
    const length = lengthOf(this.input.value.trim());
    const over = length > this.#maxLength;
    this.input.setAttribute('aria-invalid', String(over));
    this.count.classList.toggle('over', over);
    if (refusal) this.count.textContent = refusal;
    else if (length >= this.#maxLength * SHOW_COUNT_FROM)
      this.count.textContent = `${length.toLocaleString()} / ${this.#maxLength.toLocaleString()}`;
    else this.count.textContent = '';
  }
}
