import { h } from './dom.js';

const region = () => document.getElementById('notices');

/**
 * Messages for the person using the app. Errors stay until dismissed (role=alert, read out at
 * once); information fades after a few seconds.
 */
export function showError(message, detail) {
  return show('error', message, detail);
}

export function showInfo(message) {
  return show('info', message);
}

function show(kind, message, detail) {
  const text = detail ? `${message} ${detail}` : message;
  for (const existing of region().children) {
    if (existing.dataset.text === text) return existing;
  }
  const notice = h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { text } },
    h(
      'p',
      {},
      h('strong', {}, kind === 'error' ? 'Something went wrong: ' : ''),
      message,
      detail ? h('span', { class: 'detail' }, ` ${detail}`) : null,
    ),
    h(
      'button',
      { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss', onclick: () => notice.remove() },
      '×',
    ),
  );
  region().append(notice);
  if (kind !== 'error') setTimeout(() => notice.remove(), 6000);
  return notice;
}

/** Describes an API or STOMP error in words a person can act on. */
export function describeError(error) {
  if (!error) return 'Unknown error.';
  const fields =
    Array.isArray(error.fields) && error.fields.length > 0
      ? ` (${error.fields.map((f) => `${f.field}: ${f.reason}`).join('; ')})`
      : '';
  return `${error.message ?? String(error)}${fields}`;
}
