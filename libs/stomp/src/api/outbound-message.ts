/** A message to deliver to subscribers. */
export interface OutboundMessage {
  body: string | Buffer;
  /** Default: `application/json` when the body starts with `{` or `[`, `text/plain` for other UTF-8, else `application/octet-stream`. */
  contentType?: string;
  /** Extra MESSAGE headers (escaped per session version). `subscription`, `message-id`, `ack`, `destination`, `content-type` and `content-length` are the library's and are ignored here. */
  headers?: Record<string, string>;
  /** Order key for gapless replay (see `SubscribeResult`). */
  sequence?: string;
}
