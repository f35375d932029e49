import { Worker } from 'node:worker_threads';

/** What the checkpoint thread is given (its `workerData`). */
interface CheckpointerData {
  readonly path: string;
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
}

/**
 * Copies a SQLite file's write-ahead log back into the file, on a thread of its own with its own
 * connection (CHAT_SQLITE_CHECKPOINT_MS). Left to SQLite, the commit that fills the log past
 * 1,000 pages does it inline: it writes those pages to the file and `fsync`s twice, holding the
 * event loop for 5–10 ms on this machine every ~60 chat lines. A PASSIVE checkpoint never blocks
 * the connection's readers or writers, and a failed one is simply tried again next time.
 */
export class WalCheckpointer {
  /** Settles once the thread has exited; listened for from the start, so it cannot be missed. */
  private readonly exit: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exit = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  static start(data: CheckpointerData, onError: (message: string) => void): WalCheckpointer {
    const worker = new Worker(`(${checkpointLoop.toString()})()`, { eval: true, workerData: data });
    worker.on('message', (message: { error?: string }) => {
      if (message.error) onError(message.error);
    });
    worker.on('error', (error) => onError(String(error)));
    worker.unref(); // never what keeps the process alive
    return new WalCheckpointer(worker);
  }

  /** Ends the loop after one last checkpoint; the thread closes its connection and exits on its own. */
  stop(): void {
    this.worker.postMessage('stop');
  }

  /** Resolves once the thread has exited (for tests and orderly shutdowns that want to wait). */
  exited(): Promise<void> {
    return this.exit;
  }
}

/**
 * The thread's whole program. It runs from its source text (`eval`), so it reaches Node only
 * through `process.getBuiltinModule` and names nothing from this module.
 */
function checkpointLoop(): void {
  const threads = process.getBuiltinModule('node:worker_threads');
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  const { parentPort } = threads;
  const { path, intervalMs, busyTimeoutMs } = threads.workerData as CheckpointerData;
  const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  const checkpoint = (): void => {
    try {
      db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch (error) {
      // SQLITE_BUSY: another process's checkpoint is running; this one comes round again.
      if (!/busy|locked/i.test(String(error))) parentPort?.postMessage({ error: String(error) });
    }
  };
  const timer = setInterval(checkpoint, intervalMs);
  parentPort?.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  });
}
