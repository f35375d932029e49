/** A sample playlist as the playlist service sends it; override what a test cares about. */
export interface SamplePlaylist {
  id: string;
  name: string;
  musics: { title: string; artist: string; playtime: string; thumbnail: string }[];
}

let counter = 0;

export function samplePlaylist(overrides: Partial<SamplePlaylist> = {}): SamplePlaylist {
  counter += 1;
  return {
    id: `pl-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    name: `Playlist ${counter}`,
    musics: [
      {
        title: 'So What',
        artist: 'Miles Davis',
        playtime: '9:22',
        thumbnail: 'https://img.example.com/so-what.jpg',
      },
      {
        title: 'Freddie Freeloader',
        artist: 'Miles Davis',
        playtime: '9:46',
        thumbnail: 'https://img.example.com/freddie.jpg',
      },
      {
        title: 'Blue in Green',
        artist: 'Miles Davis',
        playtime: '5:37',
        thumbnail: 'https://img.example.com/blue.jpg',
      },
    ],
    ...overrides,
  };
}
