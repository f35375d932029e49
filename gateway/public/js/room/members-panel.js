import { avatar } from '../avatar.js';
import { clear, h, plural } from '../dom.js';
import { describeError, showError, showInfo } from '../notices.js';

/**
 * Who is in the room, online first, and my own switch between online and appearing offline.
 * `summary` is the "N participants · M online" line the room's header shows. Until the presence
 * server has listed who is online, the list claims no one is online or offline, except whom a
 * PRESENCE event (or my own choice) has told about.
 */
export class MembersPanel {
  #users;
  #online = new Map(); // uid → true (online) | false (offline), as far as known
  #listed = false; // the presence server's list came: whom it did not list is offline

  /**
   * @param users the room's members, `{ [uid]: { uid, nickName, profileImage } }`.
   * @param onlineUids who is online in the room now (none given: not known yet).
   * @param setPresence `(state: 'on' | 'off') => Promise<{ state, mayChat }>`.
   * @param onMyChoice `(mayChat) => void`: after I switched, whether I may chat here now.
   */
  constructor({ myUid, users, onlineUids, setPresence, onMyChoice }) {
    this.myUid = myUid;
    this.setPresence = setPresence;
    this.onMyChoice = onMyChoice;
    this.#users = users;
    if (onlineUids) this.#list(onlineUids);
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

  /** Whether the presence server has listed who is online here. */
  get onlineKnown() {
    return this.#listed;
  }

  /** The member list fetched again; `onlineUids` too when presence answered (else what I know stays). */
  update(users, onlineUids) {
    this.#users = users;
    if (onlineUids) this.#list(onlineUids);
    this.#render();
  }

  /** Who is online, as the presence server listed them. */
  online(onlineUids) {
    this.#list(onlineUids);
    this.#render();
  }

  /** A PRESENCE event: someone came online or went offline here. */
  presence(uid, online) {
    this.#online.set(uid, online);
    this.#render();
  }

  #list(onlineUids) {
    this.#online = new Map(onlineUids.map((uid) => [uid, true]));
    this.#listed = true;
  }

  /** true (online), false (offline) or null (not known). */
  #stateOf(uid) {
    return this.#online.get(uid) ?? (this.#listed ? false : null);
  }

  #render() {
    const users = Object.values(this.#users).sort((a, b) => {
      const online = Number(this.#stateOf(b.uid) === true) - Number(this.#stateOf(a.uid) === true);
      return online || a.nickName.localeCompare(b.nickName);
    });
    const onlineCount = users.filter((user) => this.#stateOf(user.uid) === true).length;
    // Not known yet: a count would say the others are offline.
    this.summary.textContent = this.#listed
      ? `${plural(users.length, 'participant')} · ${onlineCount} online`
      : plural(users.length, 'participant');
    clear(this.list);
    for (const user of users) {
      const online = this.#stateOf(user.uid);
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
          online === null ? null : h('span', { class: 'presence-state' }, online ? 'online' : 'offline'),
        ),
      );
    }
    // Not known: most likely on, nobody having chosen otherwise.
    this.presenceButton.textContent = this.#isOn() ? 'Appear offline' : 'Go online';
  }

  #isOn() {
    return this.#stateOf(this.myUid) !== false;
  }

  async #togglePresence() {
    const next = this.#isOn() ? 'off' : 'on';
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
