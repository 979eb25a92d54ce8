/**
 * The rate limits' counter names, kept per principal id. Built on every request, a name was a new
 * string that the counters' map then had to flatten and hash; kept, it is hashed once (V8 stores a
 * string's hash with it). The id comes from the credential cache: one string object per principal.
 */
export class CounterNames {
  private readonly byId = new Map<string, PrincipalCounterNames>();

  /** `bound`: principals whose names are kept; past it the names are built afresh. */
  constructor(private readonly bound = NAMED_PRINCIPALS) {}

  /** `reads:<kind>:<id>` or `writes:<kind>:<id>`: the global limits' counters. */
  global(kind: string, id: string, write: boolean): string {
    const names = this.of(kind, id);
    return write ? names.writes : names.reads;
  }

  /** `key:<id>:<second>`: an API key's `max_per_sec` counter for the wall-clock second of `now`. */
  keyWindow(keyId: string, now: number): string {
    const names = this.of('api_key', keyId);
    const second = Math.floor(now / 1000);
    if (names.keySecond !== second) {
      names.keySecond = second;
      names.keyWindow = `key:${keyId}:${second}`;
    }
    return names.keyWindow;
  }

  /** Principals whose names are kept now. */
  get size(): number {
    return this.byId.size;
  }

  private of(kind: string, id: string): PrincipalCounterNames {
    let names = this.byId.get(id);
    if (names === undefined || names.kind !== kind) {
      if (this.byId.size >= this.bound) this.byId.clear();
      names = { kind, reads: `reads:${kind}:${id}`, writes: `writes:${kind}:${id}`, keySecond: NaN, keyWindow: '' };
      this.byId.set(id, names);
    }
    return names;
  }
}

interface PrincipalCounterNames {
  kind: string;
  reads: string;
  writes: string;
  /** The second `keyWindow` names (API keys with `max_per_sec`). */
  keySecond: number;
  keyWindow: string;
}

/**
 * Principals whose counter names are kept. About 200 bytes each: at 100,000 (one per cached key)
 * they would add some 20 MB to the memory bar's reading, while the busy principals a bound of
 * 10,000 keeps (about 2 MB) are the ones the saving is for.
 */
const NAMED_PRINCIPALS = 10_000;
