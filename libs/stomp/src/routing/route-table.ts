import { DestinationPattern } from './destination-pattern';

export interface RouteMatch<H> {
  readonly handler: H;
  readonly params: Record<string, string>;
  readonly pattern: string;
}

/**
 * Destination patterns → handlers. Literal patterns are found by one map lookup; patterns with
 * `{param}` are tried in the order they were added. A pattern may be added only once.
 */
export class RouteTable<H> {
  private readonly literals = new Map<string, H>();
  private readonly patterns: { pattern: DestinationPattern; handler: H }[] = [];
  private readonly seen = new Set<string>();

  add(pattern: string, handler: H): void {
    if (this.seen.has(pattern)) throw new Error(`STOMP destination ${pattern} has two handlers`);
    this.seen.add(pattern);
    const compiled = new DestinationPattern(pattern);
    if (compiled.isLiteral) this.literals.set(pattern, handler);
    else this.patterns.push({ pattern: compiled, handler });
  }

  match(destination: string): RouteMatch<H> | undefined {
    const literal = this.literals.get(destination);
    if (literal !== undefined) return { handler: literal, params: {}, pattern: destination };
    for (const { pattern, handler } of this.patterns) {
      const params = pattern.match(destination);
      if (params) return { handler, params, pattern: pattern.pattern };
    }
    return undefined;
  }

  get size(): number {
    return this.seen.size;
  }
}
