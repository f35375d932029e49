import type { FieldProblem } from './field-problems';

/** What a code means on every surface: its HTTP status and the default message. */
export interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
}

/** One surface's codes (`'not-a-member'`, `'unknown-room'`, …), declared once per app. */
export type ErrorCatalogue<Code extends string = string> = Readonly<Record<Code, CatalogueEntry>>;

/**
 * An expected refusal named by a catalogue code. Each app subclasses it once with its own
 * catalogue (`ChatError`, `PresenceError`), so services throw codes, not statuses, and
 * `CatalogueErrorFilter` renders every app's refusals the same way.
 */
export abstract class CatalogueError<Code extends string = string> extends Error {
  /** HTTP status the catalogue gives this code. */
  readonly status: number;

  protected constructor(
    catalogue: ErrorCatalogue<Code>,
    readonly code: Code,
    message: string = catalogue[code].message,
    /** Field-level problems, for invalid-payload: `{ field, reason }`. */
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = new.target.name;
    this.status = catalogue[code].status;
  }

  /**
   * For a refusal that passes with time (a rate limit): whole seconds until the same request
   * would be taken, sent as `Retry-After` (REST) or `retry-after` (a STOMP ERROR).
   */
  retryAfterSeconds?: number;

  /** This refusal, saying when to try again (`seconds` rounded up, at least 1). */
  retryAfter(ms: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
    return this;
  }

  /** The headers this refusal adds to its answer, the same on REST and on a STOMP ERROR. */
  get answerHeaders(): Readonly<Record<string, string>> {
    return this.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.retryAfterSeconds) };
  }
}
