/**
 * Where the orders flow keeps what another replica (or this one after a restart) needs: VBase,
 * bucket `ponte-orders`.
 *
 *   orders/{orderId}.json     the order record (OrderRecord): Ponte's OrderState, this order's
 *                             intake memory, hand-off, outbox of ERP deliveries, pending claim
 *   inbox/t{due}-{key}.json   a hook or IO event accepted and not yet fully processed (inbox.ts)
 *   deadletter/t{at}-{key}.json  an inbox entry whose tries kept failing, with its reason
 *   rejected/{id}.json        a malformed feed item or IO event, kept for inspection
 *
 * Every change of an order record is read-modify-write with `If-Match` on the ETag read
 * ({@link OrderStore.update}, over lib/vbase.ts); a 412 re-reads and re-applies the change, and
 * a read without an ETag is read again, never written blindly (ORDER_RECORD_NO_ETAG). See README.md for the
 * protocol and its one assumption (creation).
 */
import { createHash } from 'crypto'

import type { IntakeMemory, OrderState } from './core'
import type { Clock } from '../lib/clock'
import { PonteError } from '../lib/errors'
import type { Kv } from '../lib/vbase'
import { faultPointSoon } from '../lib/faults'
import { StaleWrite } from '../lib/vbase'

export const BUCKET = 'ponte-orders'

/** One ERP delivery the record owes (the outbox). */
export interface OutboxEntry {
  deliveryId: string
  kind: 'order' | 'status'
  status: string | null
  previousStatus: string | null
  changedAt: string | null
  createdAt: string
  attempts: number
  lastError?: string | null
}

/**
 * A delivery being attempted: nobody else attempts it until `until` (ms since epoch) passes, and
 * its holder acts only while the record still holds its `fence` (the core's claim rule,
 * `claimDelivery`).
 */
export interface Claim {
  deliveryId: string
  by: string
  until: number
  /** Absent on records written before fences: such a claim is nobody's to renew or complete. */
  fence?: number
}

/** A line of Ponte's own log of the order (hand-off, notifications), shown in the timeline. */
export interface LogEntry {
  at: string
  cause: string
  status: string | null
  detail: string
}

export interface OrderRecord {
  version: 1
  orderId: string
  createdAt: string
  /** Which creator's blind write this is (README: creation). `createdAt` starts the settle window. */
  createdBy: string
  updatedAt: string
  state: OrderState
  /** This order's intake memory only. */
  memory: IntakeMemory
  handoff: {
    deliveryId: string
    decidedAt: string
    /** Status Ponte handed the order off in. */
    status: string | null
    /** Get order's `lastChange` when the hand-off was decided: later events are notified. */
    orderLastChange: string | null
    deliveredAt: string | null
  } | null
  /** Set when the order was first seen already canceled/replaced: never handed off. */
  handoffSkipped: { at: string; status: string | null; reason: string } | null
  outbox: OutboxEntry[]
  /** Delivery ids the ERP has acknowledged (most recent MAX_DONE). */
  done: string[]
  pending: Claim | null
  /** The highest claim fence this record issued (absent: none yet). */
  fence?: number
  log: LogEntry[]
}

export const MAX_DONE = 200
export const MAX_LOG = 100

export const paths = {
  order: (orderId: string) => `orders/${orderId}.json`,
  rejected: (id: string) => `rejected/${digest(id)}.json`,
}

/** A path-safe name for an arbitrary key (dedupe keys hold `/` and `:`). */
export function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40)
}

export type Loaded = { record: OrderRecord; etag: string | null }

/**
 * VBase answered an order record without an ETag, every time it was read again: an update would
 * be a blind write (last writer wins, erasing another replica's change), so none is made.
 */
export const ORDER_RECORD_NO_ETAG = 'ORDER_RECORD_NO_ETAG'

/** What an update function decides: a new record to write, or nothing to write (with a result). */
export type Change<R> = { write: OrderRecord; result: R } | { write: null; result: R }

/**
 * Record versions (order id, `createdAt`, `createdBy`) this replica has waited out the settle
 * window of: each is waited for once, not on every read while young by the clocks' margin.
 * Bounded (oldest forgotten first); forgetting one costs one more wait, nothing else.
 */
export const settledVersions = new (class {
  private readonly seen = new Set<string>()
  constructor(private readonly max = 20000) {}
  has(version: string) {
    return this.seen.has(version)
  }
  add(version: string) {
    this.seen.add(version)
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value as string)
  }
})()

export class OrderStore {
  constructor(
    private readonly kv: Kv,
    private readonly clock: Clock,
    private readonly options: { settleMs: number; casAttempts: number; owner: string; clockSkewMs?: number }
  ) {}

  /**
   * The record, once it has settled: a record younger than `settleMs` may still be replaced by
   * another creator's blind write, so its readers wait out the rest and read again. Its age is
   * judged across clocks (`createdAt` is the creator's): young while `createdAt + settleMs +
   * clockSkewMs` is ahead of this replica's clock, and never waited for longer than `settleMs`
   * from when this replica first saw it (a create still in flight then lands within that, by
   * the creation assumption, whatever the clocks say). A version waited for once is settled for
   * this replica ({@link settledVersions}).
   */
  public async read(orderId: string): Promise<Loaded | null> {
    const path = paths.order(orderId)
    for (;;) {
      const got = await this.kv.get<OrderRecord>(path)
      if (!got) return null
      const version = `${orderId} ${got.data.createdAt} ${got.data.createdBy}`
      const wait = Date.parse(got.data.createdAt) + this.options.settleMs + (this.options.clockSkewMs ?? 0) - this.clock.now()
      if (!(wait > 0) || settledVersions.has(version)) return { record: got.data, etag: got.etag }
      await this.clock.sleep(Math.min(wait, this.options.settleMs))
      settledVersions.add(version)
    }
  }

  /**
   * Creates the record when absent. VBase offers no create-if-absent, so the create is a blind
   * write followed, after `settleMs`, by a read: whichever creator's write is there then is the
   * record everybody continues with (through If-Match updates). Returns what was read back.
   */
  public async create(initial: OrderRecord): Promise<Loaded> {
    const path = paths.order(initial.orderId)
    for (let attempt = 0; attempt < this.options.casAttempts; attempt++) {
      const existing = await this.read(initial.orderId)
      if (existing) return existing
      const createdAt = new Date(this.clock.now()).toISOString()
      await this.kv.put(path, { ...initial, createdAt, updatedAt: createdAt, createdBy: this.options.owner })
      const back = await this.read(initial.orderId)
      if (back) return back
    }
    throw new Error(`order record ${initial.orderId} could not be created`)
  }

  /**
   * Read-modify-write with If-Match, retried on 412 (the change is computed again on the new
   * record). `change` must be a pure function of the record it gets.
   */
  public async update<R>(orderId: string, change: (loaded: Loaded) => Change<R> | Promise<Change<R>>): Promise<R> {
    let lastWithoutEtag = false
    for (let attempt = 0; attempt < this.options.casAttempts; attempt++) {
      const loaded = await this.read(orderId)
      if (!loaded) throw new Error(`order record ${orderId} is missing`)
      const decided = await change(loaded)
      if (decided.write === null) return decided.result
      // Never a blind write: without the ETag read, If-Match cannot protect the change. The read
      // is retried like a 412 (a lost header is transient); the change is computed again.
      if (!loaded.etag) {
        lastWithoutEtag = true
        await this.clock.sleep(Math.round(10 + this.clock.random() * 40 * (attempt + 1)))
        continue
      }
      lastWithoutEtag = false
      try {
        const writing = this.kv.put(paths.order(orderId), { ...decided.write, updatedAt: new Date(this.clock.now()).toISOString() }, loaded.etag)
        writing.catch(() => undefined) // handled below; a rejection during the fault window is not unhandled
        await faultPointSoon('during-record-write')
        await writing
        return decided.result
      } catch (e) {
        if (!(e instanceof StaleWrite)) throw e
        // Someone else wrote first: a short jittered pause, then compute again.
        await this.clock.sleep(Math.round(10 + this.clock.random() * 40 * (attempt + 1)))
      }
    }
    if (lastWithoutEtag) {
      throw new PonteError(ORDER_RECORD_NO_ETAG, `order record ${orderId} was read without an ETag: not written blindly`, 'error')
    }
    throw new StaleWrite(`order record ${orderId} kept changing (${this.options.casAttempts} attempts)`)
  }
}
