import { folderAndDataDir, printFiles } from './data-folder-cli';
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
  const { folder, dataDir } = folderAndDataDir(USAGE);
  const started = performance.now();
  try {
    const done = await backUpDataDir(dataDir, folder);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`backed up ${dataDir} to ${done.target} in ${seconds} s:`);
    printFiles(done.files, done.skipped);
  } catch (error) {
    if (!(error instanceof BackupRefused)) throw error;
    console.error(`backup refused: ${error.message}`);
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
