/**
 * The app's one place that turns what its handlers throw into refusals (one provider, injected
 * by this class token; optional). Every `@StompController` handler, validator and session hook
 * runs through it: return a `StompError` to send that ERROR frame (with `receipt-id` when the
 * frame asked for a receipt); anything else is reported as `internal-error`.
 */
export abstract class StompExceptionFilter {
  abstract catch(error: unknown): unknown;
}
