import { h, nameList } from '../dom.js';

// Senders repeat every 2 s while typing, so a name unheard of for 4 s has stopped.
const TYPING_SHOWN_MS = 4000;

/** "Ann is typing…" under the log, for the others who typed lately. */
export class TypingIndicator {
  #typing = new Map(); // uid → { nickName, until }
  #timer;

  constructor() {
    this.element = h('p', { class: 'typing', 'aria-live': 'polite' });
    // Names expire without any message arriving, so look again every second.
    this.#timer = setInterval(() => this.#render(), 1000);
  }

  started(sender) {
    this.#typing.set(sender.uid, { nickName: sender.nickName, until: Date.now() + TYPING_SHOWN_MS });
    this.#render();
  }

  /** Their line arrived: they are done typing it. */
  stopped(uid) {
    this.#typing.delete(uid);
    this.#render();
  }

  stop() {
    clearInterval(this.#timer);
  }

  #render() {
    const now = Date.now();
    const names = [];
    for (const [uid, typing] of this.#typing) {
      if (typing.until < now) this.#typing.delete(uid);
      else names.push(typing.nickName);
    }
    // "Ann, שרה and Ben are typing…", each name isolated (a <bdi>) from the English around it.
    const sentence = new DocumentFragment();
    if (names.length > 0)
      sentence.append(...nameList(names, ' and '), names.length === 1 ? ' is typing…' : ' are typing…');
    // Rewriting the same text would make screen readers announce it again.
    if (this.element.textContent !== sentence.textContent) this.element.replaceChildren(sentence);
  }
}
