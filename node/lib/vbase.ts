/**
 * JSON records in VBase with ETags: the one store helper of the import jobs (bucket
 * `catalog-import`) and the orders flow (bucket `ponte-orders`). A write with `ifMatch` is
 * refused with {@link StaleWrite} when the file changed since it was read (VBase answers 412),
 * so read-check-write loops can compute their change again.
 */
import { VBase } from '@vtex/api'

import type { Clock } from './clock'
import { realClock } from './clock'
import { PonteError } from './errors'
import type { RetryPolicy } from './retry'
import { classify } from './retry'
import { Throttle, zeroCounters } from './throttle'

/** A write refused because the file changed since it was read (If-Match → 412). */
export class StaleWrite extends Error {
  public override readonly name = 'StaleWrite'
}

/** The key-value store the service needs; VBase in the service, a shared fake in unit tests. */
export interface Kv {
  get<T>(path: string): Promise<{ data: T; etag: string | null } | null>
  /** With `ifMatch`, throws StaleWrite unless the stored file still has that ETag. */
  put(path: string, data: unknown, ifMatch?: string): Promise<void>
  /**
   * `put` answering the new ETag when the store tells it (null otherwise): a read-check-write
   * loop then needs no read after its own write.
   */
  putTagged?(path: string, data: unknown, ifMatch?: string): Promise<string | null>
  /** No error when absent. */
  delete(path: string): Promise<void>
  /** Paths under `prefix`, in order, at most `limit`. */
  list(prefix: string, limit: number): Promise<string[]>
  /** One page of paths under `prefix`, in order, from after the cursor `next`; the next page's cursor, or null at the end. */
  listPage(prefix: string, limit: number, next?: string | null): Promise<{ paths: string[]; next: string | null }>
}

const status = (e: unknown) => (e as { response?: { status?: number } }).response?.status

/**
 * VBase whose JSON save answers the new ETag, which VBase sends in the save's response headers
 * (as `getRawJSON` reads it from a read's; crates/sim/src/vtex/vbase/ plays it). The same
 * `PUT /buckets/{app}/{bucket}/files/{path}` as `saveJSON`, read raw.
 */
export class TaggingVBase extends VBase {
  public async saveJSONTagged(bucket: string, path: string, data: unknown, ifMatch?: string): Promise<string | null> {
    const app = (process.env.VTEX_APP_ID ?? '').split('@')[0]
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(ifMatch ? { 'If-Match': ifMatch } : {}) }
    const r = await this.http.putRaw(`/buckets/${app}/${bucket}/files/${path}`, data, { headers, metric: 'vbase-save-json' })
    const etag = (r.headers as Record<string, unknown> | undefined)?.etag
    return typeof etag === 'string' && etag !== '' ? etag : null
  }
}

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
    await this.putTagged(path, data, ifMatch)
  }

  public async putTagged(path: string, data: unknown, ifMatch?: string): Promise<string | null> {
    try {
      if (this.vbase instanceof TaggingVBase) return await this.vbase.saveJSONTagged(this.bucket, path, data, ifMatch)
      await this.vbase.saveJSON(this.bucket, path, data, undefined, ifMatch)
      return null
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

/** A VBase call that kept failing (429s past their Retry-After, 5xx, no answer): retryable by the caller. */
export const VBASE_UNAVAILABLE = 'VBASE_UNAVAILABLE'

/** Retries for a store call made while a caller waits: a few seconds at most. */
export const KV_RETRY: RetryPolicy = {
  maxAttempts: 4,
  maxRateLimited: 4,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  defaultRetryAfterMs: 500,
  maxRetryAfterMs: 3000,
}

/**
 * A Kv whose calls are retried like any VTEX call (429 after its Retry-After, 5xx and transport
 * errors with backoff; `StaleWrite` is an answer, never retried). A call still failing ends as
 * `VBASE_UNAVAILABLE`, which the ERP retries (docs/erp-contract.yaml), never as an internal error.
 */
export class RetryingKv implements Kv {
  private readonly throttle: Throttle

  constructor(
    private readonly kv: Kv,
    private readonly policy: RetryPolicy = KV_RETRY,
    clock: Clock = realClock
  ) {
    this.throttle = new Throttle(zeroCounters(), clock)
  }

  private async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.throttle.retrying(call, this.policy)
    } catch (e) {
      if (e instanceof StaleWrite || e instanceof PonteError) throw e
      const failure = classify(e, this.policy)
      if (failure.kind === 'rateLimited' || failure.kind === 'transient') {
        throw new PonteError(VBASE_UNAVAILABLE, `Ponte's store (VBase) did not answer ${what}; try again`, 'error')
      }
      throw e
    }
  }

  public get<T>(path: string) {
    return this.run('a read', () => this.kv.get<T>(path))
  }

  public put(path: string, data: unknown, ifMatch?: string) {
    return this.run('a write', () => this.kv.put(path, data, ifMatch))
  }

  public delete(path: string) {
    return this.run('a delete', () => this.kv.delete(path))
  }

  public list(prefix: string, limit: number) {
    return this.run('a listing', () => this.kv.list(prefix, limit))
  }

  public listPage(prefix: string, limit: number, next?: string | null) {
    return this.run('a listing', () => this.kv.listPage(prefix, limit, next))
  }
}
