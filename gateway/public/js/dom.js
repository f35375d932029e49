/**
 * A tiny element builder: h('button', { class: 'x', onclick: fn }, 'text', child).
 * Attributes starting with "on" become listeners; `false`/`null`/`undefined` attributes are skipped.
 * Text is always set as text, never parsed as HTML.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Names for an English sentence, each in its own <bdi>, so that a right-to-left name keeps its
 * direction without reordering the words and commas around it: ['Ann', 'שרה', 'Ben'] gives
 * <bdi>Ann</bdi>, ', ', <bdi>שרה</bdi>, lastSeparator, <bdi>Ben</bdi>. Names are set as text.
 */
export function nameList(names, lastSeparator = ', ') {
  const parts = [];
  names.forEach((name, index) => {
    if (index > 0) parts.push(index === names.length - 1 ? lastSeparator : ', ');
    parts.push(h('bdi', {}, name));
  });
  return parts;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function formatTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function formatDuration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, '0')}`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
