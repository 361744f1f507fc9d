/**
 * A bounded map whose entries each expire at their own time: insertion order is recency (a hit
 * moves the entry to the end), the oldest entry goes first when the bound is reached, and an
 * expired entry is never returned. The clock is injected so tests can move it.
 */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>()

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number
  ) {
    if (!(maxEntries >= 1)) throw new Error('ExpiringLru needs room for at least one entry')
  }

  /** The live value under `key`, refreshing its recency; expired entries are dropped. */
  public get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    if (entry.expiresAt <= this.now()) return undefined
    this.entries.set(key, entry)
    return entry.value
  }

  /** Stores `value` until `expiresAt` (same clock as `now`); a time already past stores nothing. */
  public set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key)
    if (expiresAt <= this.now()) return
    this.entries.set(key, { value, expiresAt })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
  }

  public delete(key: string): void {
    this.entries.delete(key)
  }

  public clear(): void {
    this.entries.clear()
  }

  public get size(): number {
    return this.entries.size
  }
}
