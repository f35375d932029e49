/**
 * Client-supplied text quoted in an ERROR message: short, and without control characters,
 * quotes or backslashes. Before CONNECT the client's escaping rules are unknown, so the ERROR
 * is written unescaped, and a backslash in it would be an undefined escape to a 1.1/1.2 parser.
 */
export function quoteClientText(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  // eslint-disable-next-line no-control-regex
  return `"${short.replace(/[\x00-\x1f\x7f\\"]/g, '?')}"`;
}
