/** Longest Origin header considered; a real one is a scheme, a host and maybe a port. */
export const MAX_ORIGIN_LENGTH = 256;

/** Browser Origins allowed to open the WebSocket; `*` allows any (settings refuse it outside single node). */
export class OriginPolicy {
  private readonly anyOrigin: boolean;
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.anyOrigin = origins.includes('*');
    this.allowed = new Set(origins.map(normalize));
  }

  /** Non-browser clients send no Origin: the token check still applies to them. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    // The cap holds under `*` too (docs/api.md): no real Origin is that long.
    if (origin.length > MAX_ORIGIN_LENGTH) return false;
    return this.anyOrigin || this.allowed.has(normalize(origin));
  }
}

/** Lower case, without trailing slashes; a plain loop, since a backtracking regex is quadratic on `////…`. */
function normalize(origin: string): string {
  const trimmed = origin.trim().toLowerCase();
  let end = trimmed.length;
  while (end > 0 && trimmed.charCodeAt(end - 1) === 0x2f) end -= 1;
  return trimmed.slice(0, end);
}
