/**
 * What a store contract suite needs from one adapter's test set-up: a private set of data
 * (a temp folder, a fresh database) that stores can be opened on, closed, and opened again.
 */
export interface StoreFixture<S> {
  /** Opens a store on this fixture's data; opening again after `close()` sees the same data (a restart). */
  open(): Promise<S>;
  /** Deletes the fixture's data. The suite closes every store it opened before calling this. */
  destroy(): Promise<void>;
}
