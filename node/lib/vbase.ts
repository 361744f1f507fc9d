/**
 * JSON records in VBase with ETags: the one store helper of the import jobs (bucket
 * `catalog-import`) and the orders flow (bucket `ponte-orders`). A write with `ifMatch` is
 * refused with {@link StaleWrite} when the file changed since it was read (VBase answers 412),
 * so read-check-write loops can compute their change again.
 */
import type { VBase } from '@vtex/api'

/** A write refused because the file changed since it was read (If-Match → 412). */
export class StaleWrite extends Error {
  public override readonly name = 'StaleWrite'
}

/** The key-value store the service needs; VBase in the service, a shared fake in unit tests. */
export interface Kv {
  get<T>(path: string): Promise<{ data: T; etag: string | null } | null>
  /** With `ifMatch`, throws StaleWrite unless the stored file still has that ETag. */
  put(path: string, data: unknown, ifMatch?: string): Promise<void>
  /** No error when absent. */
  delete(path: string): Promise<void>
  /** Paths under `prefix`, in order, at most `limit`. */
  list(prefix: string, limit: number): Promise<string[]>
  /** One page of paths under `prefix`, in order, from after the cursor `next`; the next page's cursor, or null at the end. */
  listPage(prefix: string, limit: number, next?: string | null): Promise<{ paths: string[]; next: string | null }>
}

const status = (e: unknown) => (e as { response?: { status?: number } }).response?.status

export class VBaseKv implements Kv {
  constructor(
    private readonly vbase: VBase,
    private readonly bucket: string
  ) {}

  public async get<T>(path: string): Promise<{ data: T; etag: string | null } | null> {
    const raw = await this.vbase.getRawJSON<T | null>(this.bucket, path, true)
    if (!raw || raw.data === null || raw.data === undefined) return null
    const etag = (raw.headers as Record<string, string | undefined> | undefined)?.etag ?? null
    return { data: raw.data, etag }
  }

  public async put(path: string, data: unknown, ifMatch?: string): Promise<void> {
    try {
      await this.vbase.saveJSON(this.bucket, path, data, undefined, ifMatch)
    } catch (e) {
      if (status(e) === 412) throw new StaleWrite(`${path} changed meanwhile`)
      throw e
    }
  }

  public async delete(path: string): Promise<void> {
    try {
      await this.vbase.deleteFile(this.bucket, path)
    } catch (e) {
      if (status(e) === 404) return
      throw e
    }
  }

  public async list(prefix: string, limit: number): Promise<string[]> {
    const answer = await this.vbase.listFiles(this.bucket, { prefix, limit })
    return (answer?.data ?? []).map((f) => f.path)
  }

  public async listPage(prefix: string, limit: number, next?: string | null): Promise<{ paths: string[]; next: string | null }> {
    const answer = await this.vbase.listFiles(this.bucket, { prefix, limit, ...(next ? { next } : {}) })
    const paths = (answer?.data ?? []).map((f) => f.path)
    return { paths, next: paths.length > 0 && typeof answer?.next === 'string' && answer.next !== '' ? answer.next : null }
  }
}
