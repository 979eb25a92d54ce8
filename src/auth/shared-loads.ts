/**
 * Loads under way, by key: concurrent callers of one key share one load. `clear()` forgets them
 * all, so that a caller arriving afterwards starts a load of its own and never receives the result
 * of one begun before (how a credential invalidation keeps a revoked key from being served).
 */
export class SharedLoads {
  private readonly loading = new Map<string, Promise<unknown>>();

  run<T>(key: string, load: () => Promise<T>): Promise<T> {
    const pending = this.loading.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const forget = () => {
      if (this.loading.get(key) === started) this.loading.delete(key);
    };
    const started: Promise<T> = load().then(
      (value) => {
        forget();
        return value;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    this.loading.set(key, started);
    return started;
  }

  clear(): void {
    this.loading.clear();
  }
}
