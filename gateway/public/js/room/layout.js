import { h } from '../dom.js';

/**
 * The room page: a header (back to the rooms, the room's name over `summary`, leave for good),
 * the chat beside a side column (now playing, members).
 */
export function roomLayout({ roomName, summary, onBack, onLeave, chat, side }) {
  return h(
    'section',
    { class: 'room', 'aria-labelledby': 'room-title' },
    h(
      'div',
      { class: 'room-header' },
      h('button', { type: 'button', class: 'button subtle', onclick: onBack }, '← Rooms'),
      h('div', { class: 'room-heading' }, h('h1', { id: 'room-title', dir: 'auto' }, roomName), summary),
      h('button', { type: 'button', class: 'button danger', onclick: onLeave }, 'Leave room'),
    ),
    h(
      'div',
      { class: 'room-layout' },
      h('div', { class: 'chat panel' }, ...chat),
      h('aside', { class: 'side' }, ...side),
    ),
  );
}
