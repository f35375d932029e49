/**
 * Sample playlists: in single node the web client stands in for the playlist service and opens
 * a room from one of these. Covers are served by the gateway, so they work offline.
 */
const cover = (name) => `${location.origin}/samples/covers/${name}.svg`;

export const samplePlaylists = [
  {
    id: 'sample-night-drive',
    name: 'Night Drive',
    description: 'Synths and slow city lights',
    musics: [
      {
        title: 'Midnight Avenue',
        artist: 'The Long Exposures',
        playtime: '3:42',
        thumbnail: cover('night-drive'),
      },
      { title: 'City Lights', artist: 'Harbor Static', playtime: '4:05', thumbnail: cover('city-lights') },
      { title: 'Neon Bloom', artist: 'Violet Hours', playtime: '3:18', thumbnail: cover('neon-bloom') },
      { title: 'Blue Hour', artist: 'Glass Coast', playtime: '4:27', thumbnail: cover('blue-hour') },
    ],
  },
  {
    id: 'sample-slow-morning',
    name: 'Slow Morning',
    description: 'Acoustic, warm, coffee-paced',
    musics: [
      { title: 'Slow Morning', artist: 'Anna Wren', playtime: '2:58', thumbnail: cover('slow-morning') },
      { title: 'Paper Moon', artist: 'The Quiet Field', playtime: '3:33', thumbnail: cover('paper-moon') },
      { title: 'Rain Tapes', artist: 'Low Orchard', playtime: '4:12', thumbnail: cover('rain-tapes') },
    ],
  },
  {
    id: 'sample-sunday-jazz',
    name: 'Sunday Jazz',
    description: 'Brushes, upright bass and long afternoons',
    musics: [
      { title: 'Sunday Stroll', artist: 'Mara Bell Trio', playtime: '5:37', thumbnail: cover('sunday-jazz') },
      { title: 'Low Tide', artist: 'Okafor Quartet', playtime: '6:02', thumbnail: cover('low-tide') },
      { title: 'Blue Hour Waltz', artist: 'Mara Bell Trio', playtime: '4:49', thumbnail: cover('blue-hour') },
    ],
  },
];
