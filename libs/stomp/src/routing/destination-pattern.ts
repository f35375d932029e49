/**
 * A destination pattern such as `/chat/topic/room/{roomId}`: literal segments match exactly,
 * a `{name}` segment matches one non-empty segment and captures it as `params.name`.
 */
export class DestinationPattern {
  readonly paramNames: readonly string[];
  private readonly regex: RegExp | undefined;

  constructor(readonly pattern: string) {
    if (!pattern.startsWith('/'))
      throw new Error(`STOMP destination pattern must start with "/": ${JSON.stringify(pattern)}`);
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((segment) => {
        const param = /^\{([A-Za-z_$][\w$]*)\}$/.exec(segment);
        if (param) {
          if (names.includes(param[1]))
            throw new Error(`STOMP destination pattern ${pattern} repeats {${param[1]}}`);
          names.push(param[1]);
          return '([^/]+)';
        }
        if (segment.includes('{') || segment.includes('}')) {
          throw new Error(`STOMP destination pattern ${pattern}: a {param} must be a whole segment`);
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.paramNames = names;
    this.regex = names.length > 0 ? new RegExp(`^${source}$`) : undefined;
  }

  /** True when the pattern has no `{param}` and so matches only itself. */
  get isLiteral(): boolean {
    return this.regex === undefined;
  }

  /** The captured params when `destination` matches, else undefined. */
  match(destination: string): Record<string, string> | undefined {
    if (this.regex === undefined) return destination === this.pattern ? {} : undefined;
    const found = this.regex.exec(destination);
    if (!found) return undefined;
    const params: Record<string, string> = {};
    this.paramNames.forEach((name, i) => (params[name] = found[i + 1]));
    return params;
  }
}
