/**
 * In-memory stand-ins for the orders flow's collaborators: VBase with ETags (shared between
 * "replicas" to test races), the OMS (orders, actions, Feed v3 with handles), and the ERP
 * (stores by delivery id, counts duplicates, can fail or be slow).
 */
import type { ErpAnswer, ErpApi, ErpDelivery } from '../clients/erp'
import type { FeedItem, OmsApi, OmsChangeRequest, OmsOrder, OmsReceipt, OrderListPage, OrderListQuery } from '../clients/oms'
import { OmsError } from '../clients/oms'
import type { Clock } from '../lib/clock'
import type { OrdersDeps } from '../orders/deps'
import { makeDeps } from '../orders/deps'
import type { OrdersTuning } from '../orders/settings'
import { parseSettings } from '../orders/settings'
import { FakeKv, pause } from './fakeKv'

export interface OmsCall {
  op: string
  orderId?: string
  body?: unknown
}

/** The OMS: orders by id, every call recorded, scripted failures per operation. */
export class FakeOms implements OmsApi {
  public readonly orders = new Map<string, OmsOrder>()
  public readonly calls: OmsCall[] = []
  /** Queued failures: the next call of `op` throws this OmsError. */
  public readonly failures: Array<{ op: string; error: OmsError }> = []
  public feed: FeedItem[] = []
  public readonly committed: string[] = []
  private handles = 0

  public addOrder(order: Partial<OmsOrder> & { orderId: string }): OmsOrder {
    const full: OmsOrder = {
      status: 'ready-for-handling',
      value: 5000,
      lastChange: '2024-03-01T10:00:00.0000000Z',
      items: [{ id: '12', quantity: 2, price: 2500 }],
      ...order,
    }
    this.orders.set(full.orderId, full)
    return full
  }

  public setStatus(orderId: string, status: string, lastChange: string): void {
    const o = this.orders.get(orderId)
    if (o) this.orders.set(orderId, { ...o, status, lastChange })
  }

  /** Queues a feed item for `event`, with a fresh handle. */
  public enqueue(item: Record<string, unknown>): FeedItem {
    const withHandle = { eventId: `E${this.handles}`, ...item, handle: `handle-${++this.handles}` }
    this.feed.push(withHandle)
    return withHandle
  }

  public actionCalls(): OmsCall[] {
    return this.calls.filter((c) => !['getOrder', 'listChanges', 'getChange', 'takeFeed', 'commitFeed', 'listOrders'].includes(c.op))
  }

  private record(op: string, orderId?: string, body?: unknown): void {
    this.calls.push({ op, orderId, body })
    const i = this.failures.findIndex((f) => f.op === op)
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1)
      throw f.error
    }
  }

  private receipt(orderId: string): OmsReceipt {
    return { date: '2024-03-01T11:00:00.0000000Z', orderId, receipt: `r-${this.calls.length}` }
  }

  public async getOrder(orderId: string): Promise<OmsOrder | null> {
    this.record('getOrder', orderId)
    const o = this.orders.get(orderId)
    return o ? JSON.parse(JSON.stringify(o)) : null
  }

  public async startHandling(orderId: string): Promise<void> {
    this.record('startHandling', orderId)
  }

  public async invoice(orderId: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    this.record('invoice', orderId, body)
    return this.receipt(orderId)
  }

  public async updateTracking(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    this.record('updateTracking', orderId, { invoiceNumber, ...body })
    return this.receipt(orderId)
  }

  public async sendTrackingEvents(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    this.record('sendTrackingEvents', orderId, { invoiceNumber, ...body })
    return this.receipt(orderId)
  }

  public async cancel(orderId: string, body: { reason?: string | null; requestedByUser?: boolean | null }): Promise<OmsReceipt> {
    this.record('cancel', orderId, body)
    return this.receipt(orderId)
  }

  /** Change v2 requests per order, as the history lists them. */
  public readonly changeHistory = new Map<string, OmsChangeRequest[]>()
  private changeSeq = 0

  public async changeOrder(orderId: string, body: Record<string, unknown>): Promise<OmsChangeRequest> {
    this.record('changeOrder', orderId, body)
    const request: OmsChangeRequest = { requestId: `chg-${++this.changeSeq}`, reason: String(body.reason ?? ''), date: this.receipt(orderId).date ?? null }
    this.changeHistory.set(orderId, [...(this.changeHistory.get(orderId) ?? []), request])
    return request
  }

  public async getChange(orderId: string, changeRequestId: string): Promise<OmsChangeRequest | null> {
    this.record('getChange', orderId)
    const found = (this.changeHistory.get(orderId) ?? []).find((r) => r.requestId === changeRequestId)
    return found ? { ...found, status: 'done', inProgress: false } : null
  }

  public async listChanges(orderId: string): Promise<OmsChangeRequest[]> {
    this.record('listChanges', orderId)
    return [...(this.changeHistory.get(orderId) ?? [])]
  }

  /** List orders over the fake's orders (`creationDate` defaults to the epoch, status filter, paging). */
  public async listOrders(query: OrderListQuery): Promise<OrderListPage> {
    this.record('listOrders', undefined, query)
    const from = Date.parse(query.from)
    const to = Date.parse(query.to)
    const all = [...this.orders.values()]
      .map((o) => ({ orderId: o.orderId, status: o.status, creationDate: (o.creationDate as string | null | undefined) ?? '1970-01-01T00:00:00Z' }))
      .filter((o) => o.status !== null && query.statuses.includes(o.status))
      .filter((o) => Date.parse(o.creationDate) >= from && Date.parse(o.creationDate) <= to)
      .sort((a, b) => Date.parse(a.creationDate) - Date.parse(b.creationDate))
    const start = (query.page - 1) * query.perPage
    return { list: all.slice(start, start + query.perPage), pages: Math.max(1, Math.ceil(all.length / query.perPage)) }
  }

  public async takeFeed(maxlot: number): Promise<FeedItem[]> {
    this.record('takeFeed')
    const lot = this.feed.filter((i) => !this.committed.includes(i.handle as string)).slice(0, maxlot)
    return JSON.parse(JSON.stringify(lot))
  }

  public async commitFeed(handles: string[]): Promise<void> {
    this.record('commitFeed', undefined, handles)
    this.committed.push(...handles)
  }
}

/** The ERP: stores each delivery id once, counts repeats, can fail or be slow. */
export class FakeErp implements ErpApi {
  public readonly received: ErpDelivery[] = []
  public readonly stored = new Map<string, ErpDelivery>()
  public duplicates = 0
  /** Answer this status (without storing) to the next `failures` calls. */
  public failures = 0
  public failStatus = 503
  public latencyMs = 0
  public readonly seen: Array<{ endpoint: string; token: string | null | undefined }> = []

  public lookups = 0
  /** The highest fence seen per delivery id (lookups and POSTs), as the contract asks. */
  public readonly fences = new Map<string, number>()
  /** POSTs refused with 409 for a fence lower than one seen. */
  public fenced = 0
  /** Fences of every POST that came with one, in arrival order. */
  public readonly postFences: Array<{ deliveryId: string; fence: number | undefined }> = []

  private see(deliveryId: string, fence: number | undefined): boolean {
    if (fence === undefined) return true
    const high = this.fences.get(deliveryId) ?? 0
    if (fence < high) return false
    this.fences.set(deliveryId, fence)
    return true
  }

  public async lookup(_endpoint: string, _token: string | null | undefined, deliveryId: string, fence?: number): Promise<'stored' | 'absent'> {
    this.lookups += 1
    this.see(deliveryId, fence)
    return this.stored.has(deliveryId) ? 'stored' : 'absent'
  }

  public async deliver(endpoint: string, token: string | null | undefined, delivery: ErpDelivery, fence?: number): Promise<ErpAnswer> {
    this.seen.push({ endpoint, token })
    if (this.latencyMs > 0) await pause(this.latencyMs)
    this.postFences.push({ deliveryId: delivery.deliveryId, fence })
    if (!this.see(delivery.deliveryId, fence)) {
      this.fenced += 1
      return { ok: false, status: 409 }
    }
    if (this.failures > 0) {
      this.failures -= 1
      return { ok: false, status: this.failStatus }
    }
    this.received.push(delivery)
    if (this.stored.has(delivery.deliveryId)) {
      this.duplicates += 1
      return { ok: true, status: 200 }
    }
    this.stored.set(delivery.deliveryId, delivery)
    return { ok: true, status: 201 }
  }

  public handoffs(orderId?: string): ErpDelivery[] {
    return this.received.filter((d) => d.kind === 'order' && (orderId === undefined || d.orderId === orderId))
  }
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined }

/** A clock whose sleeps are real but scaled (tests stay fast and still interleave). */
export function testClock(scale = 0): Clock & { slept: number[] } {
  const slept: number[] = []
  return {
    slept,
    now: () => Date.now(),
    sleep: (ms) => {
      slept.push(ms)
      return pause(Math.round(ms * scale))
    },
    random: () => 0.5,
  }
}

export interface TestWorld {
  kv: FakeKv
  oms: FakeOms
  erp: FakeErp
}

export function world(): TestWorld {
  return { kv: new FakeKv(), oms: new FakeOms(), erp: new FakeErp() }
}

/** Deps for one "replica" over a shared world. */
export function testDeps(
  w: TestWorld,
  options: { owner?: string; settings?: Record<string, unknown>; tuning?: Partial<OrdersTuning>; clock?: Clock } = {}
): OrdersDeps {
  const settings = parseSettings({
    erpEndpoint: 'https://erp.ponte-sim.test/erp',
    hookSecret: 'a-secret-of-sixteen-chars',
    ...options.settings,
    ordersTuning: { settleMs: 5, claimWaitMs: 200, erpBaseDelayMs: 1, erpMaxDelayMs: 2, inboxResumeAfterMs: 0, inboxRetryBaseMs: 0, tickBudgetMs: 2000, sweepIntervalMs: 0, ...options.tuning },
  })
  return makeDeps({
    oms: w.oms,
    erp: w.erp,
    kv: w.kv,
    settings,
    clock: options.clock ?? testClock(1),
    owner: options.owner ?? 'replica-a',
    logger: silentLogger,
  })
}

/** Event bodies of the three channels for one change. */
export function bodies(orderId: string, state: string, lastState: string, at: string, lastAt = '2024-03-01T09:00:00.0000000Z') {
  return {
    hook: JSON.stringify({
      Domain: 'Fulfillment',
      OrderId: orderId,
      State: state,
      LastState: lastState,
      LastChange: lastAt,
      CurrentChange: at,
      Origin: { Account: 'ponte', Key: 'vtexappkey-appvtex' },
    }),
    feed: (handle: string) =>
      JSON.stringify({ eventId: `E-${state}`, handle, domain: 'Fulfillment', state, lastState, orderId, lastChange: lastAt, currentChange: at }),
    feedItem: { eventId: `E-${orderId}-${state}`, domain: 'Fulfillment', state, lastState, orderId, lastChange: lastAt, currentChange: at },
    ioEvent: JSON.stringify({
      recorder: { _record: 'x-vtex-meta', headers: {} },
      domain: 'Fulfillment',
      orderId,
      currentState: state,
      lastState,
      currentChangeDate: at,
      lastChangeDate: lastAt,
    }),
  }
}
