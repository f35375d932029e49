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
    return origin === undefined || this.anyOrigin || this.allowed.has(normalize(origin));
  }
}

const normalize = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');
