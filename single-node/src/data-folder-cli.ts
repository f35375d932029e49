// What `npm run backup` and `npm run restore` share: how they read their one folder argument and
// DATA_DIR, and how they list the files they wrote.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings, platformSettings } from '@playlist-chat/platform';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';
import type { BackedUpFile } from './data-backup.sqlite';

/** The one folder named on the command line (else the usage, exit 2), and DATA_DIR as `npm start` reads it. */
export function folderAndDataDir(usage: string): { folder: string; dataDir: string } {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    console.error(usage);
    process.exit(2);
  }
  // The environment first, then .env at the repository root.
  loadDotEnv(join(__dirname, '..', '..', '.env'));
  return { folder: positionals[0], dataDir: loadSettings(platformSettings, process.env).dataDir };
}

/** One line a file (its size, and a SQLite file's schema), then what was left out and why. */
export function printFiles(files: readonly BackedUpFile[], skipped: readonly string[]): void {
  for (const file of files) {
    const what = file.schema === undefined ? 'copied' : `schema ${file.schema}, checked ok`;
    console.log(`  ${file.name.padEnd(18)} ${formatBytes(file.bytes).padStart(9)}  ${what}`);
  }
  for (const entry of skipped) console.log(`  left out: ${entry}`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
