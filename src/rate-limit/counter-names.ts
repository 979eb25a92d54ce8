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
      const prefixes = this.prefixesOf(kind);
      // One concatenation each, of a shared prefix and the cached id: a counter holding the name
      // (in-process, for its minute) holds 32 bytes of its own, where `reads:${kind}:${id}` made a
      // chain of three concatenations, about 100 bytes, for every principal counted.
      names = { kind, reads: prefixes.reads + id, writes: prefixes.writes + id, keySecond: NaN, keyWindow: '' };
      this.byId.set(id, names);
    }
    return names;
  }

  /** `reads:<kind>:` and `writes:<kind>:`, made once per kind (a principal's kind is one of a few). */
  private prefixesOf(kind: string): { reads: string; writes: string } {
    let prefixes = this.prefixes.get(kind);
    if (prefixes === undefined) {
      prefixes = { reads: `reads:${kind}:`, writes: `writes:${kind}:` };
      this.prefixes.set(kind, prefixes);
    }
    return prefixes;
  }

  private readonly prefixes = new Map<string, { reads: string; writes: string }>();
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
