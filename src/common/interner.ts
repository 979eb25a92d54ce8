/**
 * One shared instance per distinct value, for immutable values that many cached entries hold:
 * 100,000 cached keys of one organization then hold one copy of its path and scope, not 100,000.
 * Past `capacity` distinct values it forgets them all and starts again (values already handed
 * out stay valid, being immutable), so it never grows without bound.
 */
export class Interner<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  /** The shared value for `key`, made by `make` the first time. */
  intern(key: string, make: () => T): T {
    let value = this.values.get(key);
    if (value === undefined) {
      if (this.values.size >= this.capacity) this.values.clear();
      value = make();
      this.values.set(key, value);
    }
    return value;
  }
}
