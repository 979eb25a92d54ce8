/** Addresses kept per credential between two flushes, for the new-address detector. */
export const MAX_ADDRESSES_PER_FLUSH = 50;

/**
 * One key's use since the last flush. Small and flat: with 100,000 keys in use, one of these is
 * pending per key, and a Map and a Set each (as before) cost several times the rest.
 */
export class PendingUsage {
  /** Requests on `day` (UTC, YYYY-MM-DD). */
  count = 0;
  /** Requests on earlier days, when the time since the last flush spans midnight. */
  earlier: Map<string, number> | null = null;
  /** Addresses seen since the last flush (bounded), for the new-address detector. */
  readonly addresses: string[];

  constructor(
    public day: string,
    /** Epoch ms: a Date is made when written, not on every request. */
    public lastUsedAt: number,
    public lastUsedIp: string,
  ) {
    this.addresses = [lastUsedIp];
  }

  /** Every day with requests → how many. */
  days(): Array<[string, number]> {
    const days: Array<[string, number]> = this.earlier ? [...this.earlier] : [];
    if (this.count > 0) days.push([this.day, this.count]);
    return days;
  }

  add(day: string, count: number): void {
    if (day === this.day) {
      this.count += count;
      return;
    }
    this.earlier ??= new Map();
    this.earlier.set(day, (this.earlier.get(day) ?? 0) + count);
  }

  /** A request on `day`: a new day moves the count so far to `earlier`. */
  use(day: string, now: number, ip: string): void {
    if (day !== this.day) {
      if (this.count > 0) {
        this.earlier ??= new Map();
        this.earlier.set(this.day, (this.earlier.get(this.day) ?? 0) + this.count);
      }
      // A day seen before (the clock stepped back over midnight) continues its count: a day twice
      // in one flush would fail the whole batch's INSERT ... ON CONFLICT.
      this.day = day;
      this.count = this.earlier?.get(day) ?? 0;
      this.earlier?.delete(day);
    }
    this.count += 1;
    this.lastUsedAt = now;
    if (ip !== this.lastUsedIp) {
      this.lastUsedIp = ip;
      this.remember(ip);
    }
  }

  remember(ip: string): void {
    if (this.addresses.length < MAX_ADDRESSES_PER_FLUSH && !this.addresses.includes(ip)) this.addresses.push(ip);
  }
}
