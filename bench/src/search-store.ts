// `node bench/dist/search-store.js [--lines=N] [--batch=N] [--searches=N] [--baseline=CHECKOUT]`:
// the SQLite message store's room search alone, on lines fed as a running chat server feeds its
// index (every room's lines interleaved, indexed `batch` at a time), then after an FTS5
// `optimize`. With --baseline, the same on another checkout's built store, alternating, so two
// builds' search indexes are compared in one run (docs/performance.md, "The fourth round").
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WORDS } from './rest/seed';

type Stores = typeof import('./chat-stores');

interface Figures {
  readonly asFed: number;
  readonly merged: number;
  readonly indexingMs: number;
  /** Lines found over one pass of the searches: the same as fed and merged, and in both builds. */
  readonly hits: number;
}

/** The built stores of the checkout at `root` (its `npm run build` done). */
const storesOf = (root: string): Stores =>
  createRequire(join(resolve(root), 'bench', 'dist', 'index.js'))('./chat-stores.js') as Stores;

async function measure(stores: Stores, lines: number, batch: number, searches: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
  const db = stores.SqliteDatabase.open(dir);
  const store = new stores.SqliteMessageStore(db);
  try {
    const rooms = Array.from({ length: Math.max(1, Math.floor(lines / 10)) }, () => randomUUID());
    let indexingMs = 0;
    const start = Date.now() - 3_600_000;
    for (let n = 0; n < lines; n++) {
      // Rooms in a scattered order, as lines of many rooms arrive one after another.
      const r = (n * 7919) % rooms.length;
      await store.append({
        messageId: `${(start + n).toString(16).padStart(12, '0')}${n.toString(16).padStart(6, '0')}b0b0b0b0`,
        roomId: rooms[r],
        clientMessageId: null,
        type: 'TALK',
        sender: { uid: 'u', nickName: 'u', profileImage: null },
        content: `${WORDS[n % WORDS.length]} ${WORDS[(n * 3 + r) % WORDS.length]} line ${n} of room ${r}`,
        createdAt: new Date(start + n),
      });
      if (n % batch === batch - 1) {
        const began = performance.now();
        store.indexPending();
        indexingMs += performance.now() - began;
      }
    }
    const perSearch = async (): Promise<{ micros: number; hits: number }> => {
      const began = performance.now();
      let hits = 0;
      for (let i = 0; i < searches; i++)
        hits += (await store.search(rooms[(i * 31) % rooms.length], WORDS[i % WORDS.length], null, 50)).items
          .length;
      return { micros: ((performance.now() - began) * 1000) / searches, hits };
    };
    await perSearch(); // warm-up: compiled code and the page cache
    const asFed = await perSearch();
    db.run("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')");
    await perSearch();
    const merged = await perSearch();
    if (merged.hits !== asFed.hits)
      throw new Error(
        `merging the index changed what searches find: ${asFed.hits} lines, then ${merged.hits}`,
      );
    return { asFed: asFed.micros, merged: merged.micros, indexingMs, hits: asFed.hits };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '50' },
      searches: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '2' },
      baseline: { type: 'string' },
    },
  });
  const [lines, batch, searches, rounds] = [values.lines, values.batch, values.searches, values.rounds].map(
    Number,
  );
  const builds: { name: string; stores: Stores }[] = [
    ...(values.baseline ? [{ name: 'baseline', stores: storesOf(values.baseline) }] : []),
    { name: 'ours', stores: storesOf(join(__dirname, '..', '..')) },
  ];
  const format = (figures: Figures) =>
    `${figures.asFed.toFixed(1)} µs a search as fed, ${figures.merged.toFixed(1)} µs merged; indexing ${(figures.indexingMs / 1000).toFixed(2)} s; ${figures.hits} lines found`;
  const all = new Map<string, Figures[]>();
  for (let round = 1; round <= rounds; round++)
    for (const { name, stores } of builds) {
      const figures = await measure(stores, lines, batch, searches);
      all.set(name, [...(all.get(name) ?? []), figures]);
      console.log(`${name} #${round}: ${format(figures)}`);
    }
  if (values.baseline) {
    const ours = all.get('ours') ?? [];
    const baseline = all.get('baseline') ?? [];
    const ratios = ours.map((figures, i) => [
      figures.asFed / baseline[i].asFed,
      figures.merged / baseline[i].merged,
    ]);
    console.log(
      `ours ÷ baseline per round: as fed ${ratios.map(([fed]) => `${fed.toFixed(2)}×`).join(', ')}; merged ${ratios.map(([, merged]) => `${merged.toFixed(2)}×`).join(', ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
