import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings, platformSettings } from '@playlist-chat/platform';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';
import { BackupRefused, backUpDataDir } from './data-backup.sqlite';

const USAGE = `usage: npm run backup -- <folder>
  copies DATA_DIR (the SQLite files, checked, and auth-secret) to <folder>, a new or empty folder
  outside it, while the app runs or not. To restore: stop the app, then
  \`npm run restore -- <folder>\` (it moves DATA_DIR aside whole and copies the backup in its
  place). By hand: move DATA_DIR away whole, copy <folder> to DATA_DIR's place, start. Never copy
  the files into an existing DATA_DIR: the -wal and -shm files a crash left there belong to the
  old chat.sqlite, and SQLite would replay them onto the restored one and corrupt it.`;

/** `npm run backup`: a consistent copy of the single node's data (docs/operations.md). */
async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  // DATA_DIR as `npm start` reads it: the environment first, then .env at the repository root.
  loadDotEnv(join(__dirname, '..', '..', '.env'));
  const { dataDir } = loadSettings(platformSettings, process.env);
  const started = performance.now();
  try {
    const done = await backUpDataDir(dataDir, positionals[0]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`backed up ${dataDir} to ${done.target} in ${seconds} s:`);
    for (const file of done.files) {
      const what = file.schema === undefined ? 'copied' : `schema ${file.schema}, checked ok`;
      console.log(`  ${file.name.padEnd(18)} ${formatBytes(file.bytes).padStart(9)}  ${what}`);
    }
    for (const entry of done.skipped) console.log(`  left out: ${entry}`);
  } catch (error) {
    if (!(error instanceof BackupRefused)) throw error;
    console.error(`backup refused: ${error.message}`);
    process.exit(2);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

main().catch((error: unknown) => {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
