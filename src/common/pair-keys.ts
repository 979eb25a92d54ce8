/**
 * Map keys made of two strings (`first:second`), kept for reuse. A key built on every request is
 * a new string that the Map must flatten and hash each time; a kept one carries its hash (V8
 * stores it with the string), and the ids it is made of come from cached rows, one string object
 * each. For each `first` the last `second` is kept (a user acts in one organization at a time);
 * past `bound` firsts they are all forgotten, so it never grows without bound.
 */
export class PairKeys {
  private readonly byFirst = new Map<string, { second: string; key: string }>();

  constructor(private readonly bound = 10_000) {}

  of(first: string, second: string): string {
    const kept = this.byFirst.get(first);
    if (kept !== undefined && kept.second === second) return kept.key;
    if (kept === undefined && this.byFirst.size >= this.bound) this.byFirst.clear();
    const key = `${first}:${second}`;
    this.byFirst.set(first, { second, key });
    return key;
  }

  /** Firsts whose key is kept now. */
  get size(): number {
    return this.byFirst.size;
  }
}
