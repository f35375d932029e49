import { h } from './dom.js';

const palette = ['#4338ca', '#0f766e', '#b45309', '#be123c', '#7e22ce', '#1d4ed8', '#15803d', '#9d174d'];

function colorOf(uid) {
  let hash = 0;
  for (const char of uid) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length];
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The first `count` characters as a person sees them (an emoji or an accented letter is one, whatever its UTF-16 length). */
function firstCharacters(text, count) {
  let taken = '';
  let seen = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (seen++ === count) break;
    taken += segment;
  }
  return taken;
}

function initials(nickName) {
  const parts = nickName.trim().split(/\s+/).filter(Boolean);
  const letters =
    parts.length > 1
      ? firstCharacters(parts[0], 1) + firstCharacters(parts[1], 1)
      : firstCharacters(parts[0] ?? '?', 2);
  return letters.toUpperCase();
}

/** A person's picture, or their initials on a colour of their own; decorative (the name is always next to it). */
export function avatar(person, size = 'md') {
  if (person.profileImage) {
    return h('img', {
      class: `avatar ${size}`,
      src: person.profileImage,
      alt: '',
      loading: 'lazy',
      referrerpolicy: 'no-referrer',
    });
  }
  return h(
    'span',
    { class: `avatar ${size}`, style: `background:${colorOf(person.uid)}`, 'aria-hidden': 'true' },
    initials(person.nickName),
  );
}
