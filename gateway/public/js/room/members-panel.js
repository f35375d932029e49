import { avatar } from '../avatar.js';
import { clear, h, plural } from '../dom.js';
import { describeError, showError, showInfo } from '../notices.js';

/**
 * Who is in the room, online first, and my own switch between online and appearing offline.
 * `summary` is the "N participants · M online" line the room's header shows.
 */
export class MembersPanel {
  #users;
  #online;

  /**
   * @param users the room's members, `{ [uid]: { uid, nickName, profileImage } }`.
   * @param onlineUids who is online in the room now.
   * @param setPresence `(state: 'on' | 'off') => Promise<{ state, mayChat }>`.
   * @param onMyChoice `(mayChat) => void`: after I switched, whether I may chat here now.
   */
  constructor({ myUid, users, onlineUids, setPresence, onMyChoice }) {
    this.myUid = myUid;
    this.setPresence = setPresence;
    this.onMyChoice = onMyChoice;
    this.#users = users;
    this.#online = new Set(onlineUids);
    this.summary = h('p', { class: 'room-meta' });
    this.list = h('ul', { class: 'members', 'aria-labelledby': 'members-heading' });
    this.presenceButton = h(
      'button',
      { type: 'button', class: 'button subtle small', onclick: () => void this.#togglePresence() },
      'Appear offline',
    );
    this.element = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'members-heading' },
      h(
        'div',
        { class: 'panel-heading' },
        h('h2', { id: 'members-heading' }, 'In this room'),
        this.presenceButton,
      ),
      this.list,
    );
    this.#render();
  }

  /** The member list fetched again; `onlineUids` too when presence answered. */
  update(users, onlineUids) {
    this.#users = users;
    if (onlineUids) this.#online = new Set(onlineUids);
    this.#render();
  }

  /** A PRESENCE event: someone came online or went offline here. */
  presence(uid, online) {
    if (online) this.#online.add(uid);
    else this.#online.delete(uid);
    this.#render();
  }

  #render() {
    const users = Object.values(this.#users).sort((a, b) => {
      const online = Number(this.#online.has(b.uid)) - Number(this.#online.has(a.uid));
      return online || a.nickName.localeCompare(b.nickName);
    });
    this.summary.textContent = `${plural(users.length, 'participant')} · ${this.#online.size} online`;
    clear(this.list);
    for (const user of users) {
      const online = this.#online.has(user.uid);
      this.list.append(
        h(
          'li',
          { class: online ? 'member online' : 'member' },
          avatar(user, 'sm'),
          h(
            'span',
            { class: 'member-name' },
            h('bdi', {}, user.nickName),
            user.uid === this.myUid ? ' (you)' : '',
          ),
          h('span', { class: 'presence-state' }, online ? 'online' : 'offline'),
        ),
      );
    }
    this.presenceButton.textContent = this.#online.has(this.myUid) ? 'Appear offline' : 'Go online';
  }

  async #togglePresence() {
    const next = this.#online.has(this.myUid) ? 'off' : 'on';
    try {
      const result = await this.setPresence(next);
      this.presence(this.myUid, result.state === 'on');
      this.onMyChoice(result.mayChat);
      showInfo(
        result.state === 'on' ? 'You are online in this room.' : 'You appear offline; go online to chat.',
      );
    } catch (error) {
      showError('Could not change your presence.', describeError(error));
    }
  }
}
