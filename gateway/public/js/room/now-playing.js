import { formatDuration, h } from '../dom.js';

/** `m:ss` or `h:mm:ss` → seconds. */
export function parsePlaytime(playtime) {
  const parts = String(playtime).split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/**
 * The track the room plays now and a progress bar that moves with it. The room plays its
 * playlist on a loop from the moment it opened; the server says where it is at one instant
 * (track, offset, loop), and from there this counts on with the local monotonic clock, so every
 * listener's bar shows the same place whatever their computer's clock says.
 */
export class NowPlaying {
  #durations = [];
  #total = 0;
  #anchorElapsed = 0;
  #anchorAt = 0;
  #timer;

  constructor() {
    this.playlist = { musics: [] };
    this.cover = h('img', { class: 'cover', alt: '', width: 96, height: 96 });
    this.title = h('p', { class: 'track-title' });
    this.artist = h('p', { class: 'track-artist' });
    this.bar = h('div', { class: 'progress-fill' });
    this.progress = h(
      'div',
      { class: 'progress', role: 'progressbar', 'aria-label': 'Track progress', 'aria-valuemin': 0 },
      this.bar,
    );
    this.position = h('span', { class: 'time' });
    this.length = h('span', { class: 'time' });
    this.next = h('p', { class: 'up-next' });
    this.element = h(
      'section',
      { class: 'panel now-playing', 'aria-labelledby': 'now-playing-heading' },
      h('h2', { id: 'now-playing-heading' }, 'Now playing'),
      h('div', { class: 'track' }, this.cover, h('div', {}, this.title, this.artist)),
      this.progress,
      h('div', { class: 'times' }, this.position, this.length),
      this.next,
    );
  }

  /** The room's playlist snapshot, once it is known. */
  load(playlist) {
    this.playlist = playlist;
    this.#durations = playlist.musics.map((music) => parsePlaytime(music.playtime));
    this.#total = this.#durations.reduce((a, b) => a + b, 0);
  }

  /** Anchor to what the server said: `{ trackIndex, offsetSeconds, loop }`. */
  sync(nowPlaying) {
    if (!nowPlaying || this.#total === 0) return;
    const before = this.#durations.slice(0, nowPlaying.trackIndex).reduce((a, b) => a + b, 0);
    this.#anchorElapsed = nowPlaying.loop * this.#total + before + nowPlaying.offsetSeconds;
    this.#anchorAt = performance.now();
    this.render();
    this.#timer ??= setInterval(() => this.render(), 500);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  render() {
    const elapsed = (this.#anchorElapsed + (performance.now() - this.#anchorAt) / 1000) % this.#total;
    let index = 0;
    let offset = elapsed;
    while (offset >= this.#durations[index]) {
      offset -= this.#durations[index];
      index = (index + 1) % this.#durations.length;
    }
    const music = this.playlist.musics[index];
    const duration = this.#durations[index];
    if (this.cover.getAttribute('src') !== music.thumbnail) this.cover.src = music.thumbnail;
    this.title.textContent = music.title;
    this.artist.textContent = music.artist;
    this.bar.style.width = `${((offset / duration) * 100).toFixed(2)}%`;
    this.progress.setAttribute('aria-valuemax', String(Math.round(duration)));
    this.progress.setAttribute('aria-valuenow', String(Math.floor(offset)));
    this.progress.setAttribute('aria-valuetext', `${formatDuration(offset)} of ${formatDuration(duration)}`);
    this.progress.dataset.track = String(index);
    this.position.textContent = formatDuration(offset);
    this.length.textContent = formatDuration(duration);
    const upcoming = this.playlist.musics[(index + 1) % this.playlist.musics.length];
    this.next.textContent =
      this.playlist.musics.length > 1 ? `Up next: ${upcoming.title} — ${upcoming.artist}` : '';
  }
}
