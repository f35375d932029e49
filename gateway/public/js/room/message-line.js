import { avatar } from '../avatar.js';
import { formatTime, h } from '../dom.js';

/** A stored line: ENTER/EXIT as a system line, TALK as a bubble (mine on the other side) with room for receipts. */
export function storedLine(message, myUid) {
  if (message.type !== 'TALK') {
    // The nickname keeps its own direction inside the English sentence.
    const text = message.content
      ? [message.content]
      : [h('bdi', {}, message.sender.nickName), message.type === 'ENTER' ? ' has entered' : ' has left'];
    return h(
      'li',
      { class: 'line system', dataset: { id: message.messageId } },
      h('span', { dir: message.content ? 'auto' : null }, ...text),
      h('time', { datetime: message.createdAt }, formatTime(message.createdAt)),
    );
  }
  const mine = message.sender.uid === myUid;
  return h(
    'li',
    { class: mine ? 'line talk mine' : 'line talk', dataset: { id: message.messageId } },
    avatar(message.sender),
    h(
      'div',
      { class: 'bubble' },
      h(
        'p',
        { class: 'line-head' },
        h('span', { class: 'nick', dir: 'auto' }, message.sender.nickName),
        ' ',
        h('time', { datetime: message.createdAt }, formatTime(message.createdAt)),
      ),
      h('p', { class: 'content', dir: 'auto' }, message.content),
      h('p', { class: 'receipts' }),
    ),
  );
}

/**
 * A line I sent that the server has not stored yet: no id and no time (the server gives both),
 * and a status where "Sending…" or the server's refusal goes. It is hidden from screen readers
 * while it waits: the log would read it out now and again when the stored line replaces it
 * (a failed line is shown to them, with its reason).
 */
export function pendingLine(session, content, status) {
  return h(
    'li',
    { class: 'line talk mine pending', 'aria-hidden': 'true' },
    avatar(session),
    h(
      'div',
      { class: 'bubble' },
      h('p', { class: 'line-head' }, h('span', { class: 'nick', dir: 'auto' }, session.nickName)),
      h('p', { class: 'content', dir: 'auto' }, content),
      h('p', { class: 'line-status' }, h('span', { class: 'status' }, status)),
    ),
  );
}
