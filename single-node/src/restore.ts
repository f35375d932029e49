import { folderAndDataDir, printFiles } from './data-folder-cli';
import { restoreDataDir, RestoreRefused } from './data-restore.sqlite';

const USAGE = `usage: npm run restore -- <backup folder>
  with the app stopped, puts a folder made by \`npm run backup\` in DATA_DIR's place: DATA_DIR is
  moved aside whole (to <DATA_DIR>.before-restore-<UTC time>, nothing deleted), the backup's files
  are copied and checked into a new DATA_DIR, and the backup folder is left as it was. Refused
  while the app runs on DATA_DIR, or for a folder that is not a backup.`;

/** `npm run restore`: a backup back in DATA_DIR's place, the old folder kept (docs/operations.md). */
function main(): void {
  const { folder, dataDir } = folderAndDataDir(USAGE);
  const started = performance.now();
  try {
    const done = restoreDataDir(dataDir, folder);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`restored ${done.backup} to ${done.dataDir} in ${seconds} s:`);
    printFiles(done.files, done.skipped);
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

try {
  main();
} catch (error: unknown) {
  console.error(`restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
