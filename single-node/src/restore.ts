import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings, platformSettings } from '@playlist-chat/platform';
import { loadDotEnv } from '@playlist-chat/platform/telemetry';
import { restoreDataDir, RestoreRefused } from './data-restore.sqlite';

const USAGE = `usage: npm run restore -- <backup folder>
  with the app stopped, puts a folder made by \`npm run backup\` in DATA_DIR's place: DATA_DIR is
  moved aside whole (to <DATA_DIR>.before-restore-<UTC time>, nothing deleted), the backup's files
  are copied and checked into a new DATA_DIR, and the backup folder is left as it was. Refused
  while the app runs on DATA_DIR, or for a folder that is not a backup.`;

/** `npm run restore`: a backup back in DATA_DIR's place, the old folder kept (docs/operations.md). */
function main(): void {
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
    const done = restoreDataDir(dataDir, positionals[0]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`restored ${done.backup} to ${done.dataDir} in ${seconds} s:`);
    for (const file of done.files) {
      const what = file.schema === undefined ? 'copied' : `schema ${file.schema}, checked ok`;
      console.log(`  ${file.name.padEnd(18)} ${formatBytes(file.bytes).padStart(9)}  ${what}`);
    }
    for (const entry of done.skipped) console.log(`  left out: ${entry}`);
    console.log(
      done.movedAside === undefined
        ? `there was no ${done.dataDir} before: nothing moved aside`
        : `the folder that was there is kept, whole, at ${done.movedAside} (delete it once the restored app is right)`,
    );
    console.log(`${done.backup} is untouched: it can be restored again`);
    console.log(`start the app as before (npm start, DATA_DIR=${done.dataDir})`);
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    console.error(`restore refused, nothing changed: ${error.message}`);
    process.exit(2);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

try {
  main();
} catch (error: unknown) {
  console.error(`restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
