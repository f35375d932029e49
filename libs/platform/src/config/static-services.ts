// STATIC_SERVICES' syntax, in a module that imports nothing: the settings check reads it at
// start-up (config loads light), and the static registry builds itself from it.

/** `STATIC_SERVICES` parsed: service name → base URLs of its instances. */
export type StaticServices = ReadonlyMap<string, readonly URL[]>;

/**
 * `chat-server=http://10.0.0.5:18000,http://10.0.0.6:18000;presence-server=http://10.0.0.7:18010`
 * → a map, or the reason it is not one (for the settings check at start-up).
 */
export function parseStaticServices(text: string): StaticServices | string {
  const services = new Map<string, URL[]>();
  for (const part of text
    .split(';')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [name, urls] = part.split('=', 2);
    if (!name?.trim() || urls === undefined) return `"${part}" is not service=url,url`;
    const parsed: URL[] = [];
    for (const raw of urls
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean)) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return `"${raw}" is not a URL`;
      }
      if (url.protocol !== 'http:' || !url.port) return `"${raw}" must be http://host:port`;
      parsed.push(url);
    }
    services.set(name.trim(), parsed);
  }
  return services;
}
