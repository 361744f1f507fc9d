/**
 * The OMS, Feed v3 and Hook endpoints on the account's own host
 * (`http://{account}.vtexcommercestable.com.br`, with `X-Vtex-Use-Https` so the IO outbound proxy
 * upgrades the call), authenticated with the request's credential as `VtexIdclientAutCookie`.
 * Shapes: §A, §B and VTEX's orders-api.json (tests/openapi/spec/).
 *
 * Failures come back as {@link OmsError}, which keeps VTEX's status and body **verbatim** (the
 * GraphQL layer passes them on to the ERP) and never the request (an axios error holds the
 * request config with its headers). Retries belong to this client:
 *
 * - **429**: waits `Retry-After` (seconds or an HTTP date; 1 s when absent, at most 2 min) and
 *   tries again, up to `maxRateLimited` times. VTEX refuses a 429 before doing anything, so this
 *   is safe for every call.
 * - **5xx and transport errors**: exponential backoff with jitter, up to `maxAttempts`
 *   attempts, for calls that are safe to repeat: reads, the feed, invoice (re-posting an invoice
 *   number is idempotent, §H.4), tracking. **Not** for `start-handling`, `cancel` and change v2:
 *   a second cancel in the handling stage *confirms* a cancellation (§A.5.3), a repeated
 *   start-handling is refused with OMS003, and every change v2 PATCH is a new modification (v2
 *   takes no idempotency key). Their 5xx goes back to the caller, who looks again before trying
 *   again (the order for the first two, the change history for a change).
 * - Any other status is VTEX's answer: returned as an OmsError at once.
 */
import type { InstanceOptions, IOContext, RequestConfig } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import type { RetryPolicy } from '../lib/retry'
import { backoffMs, DEFAULT_RETRY, retryAfterMs } from '../lib/retry'
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'

/** The parts of Get order Ponte reads (VTEX sends much more; it is passed on to the ERP whole). */
export interface OmsOrder {
  orderId: string
  status: string | null
  value: number
  lastChange?: string | null
  creationDate?: string | null
  items?: Array<{ id: string; quantity: number; price: number; [other: string]: unknown }>
  [other: string]: unknown
}

/** `200 {date, orderId, receipt}` of invoice, tracking, cancel and changes. */
export interface OmsReceipt {
  date?: string | null
  orderId?: string | null
  receipt?: string | null
}

/**
 * One order modification (change v2) as `PATCH .../changes` answers it (`202`) and the change
 * history lists it. Ponte reads the id, the reason (where its marker is) and the date.
 */
export interface OmsChangeRequest {
  requestId: string
  reason?: string | null
  date?: string | null
  [other: string]: unknown
}

/** One Feed v3 item (§B.3), kept as received: the core parses it. */
export type FeedItem = Record<string, unknown>

export class OmsError extends Error {
  public override readonly name = 'OmsError'
  /** A 429's `Retry-After` header, as sent. */
  public retryAfter?: string

  constructor(
    /** VTEX's HTTP status; 0 when nothing answered (timeout, connection refused). */
    public readonly status: number,
    /** VTEX's body, verbatim (parsed JSON when it was JSON). */
    public readonly body: unknown,
    /** The call that failed, e.g. `oms-invoice` (never the URL or the request). */
    public readonly operation: string,
    /** Transport error code when status is 0. */
    public readonly reason?: string
  ) {
    super(status === 0 ? `OMS ${operation}: no answer (${reason ?? 'network error'})` : `OMS ${operation}: HTTP ${status}`)
  }
}

/** What Ponte asks the OMS; unit tests implement it with a fake. */
export interface OrderListQuery {
  statuses: string[]
  /** ISO 8601, both ends included. */
  from: string
  to: string
  /** 1 to 30 (VTEX lists at most 30 pages). */
  page: number
  /** 1 to 100. */
  perPage: number
}

export interface OrderListPage {
  list: Array<{ orderId: string; status: string | null; creationDate: string | null }>
  /** Pages of the whole result. */
  pages: number
}

export interface OmsApi {
  /** null on 404. */
  getOrder(orderId: string): Promise<OmsOrder | null>
  startHandling(orderId: string): Promise<void>
  invoice(orderId: string, body: Record<string, unknown>): Promise<OmsReceipt>
  /** `PATCH .../invoice/{invoiceNumber}`: tracking number, url, courier, dispatched date. */
  updateTracking(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt>
  /** `PUT .../invoice/{invoiceNumber}/tracking`: carrier events. */
  sendTrackingEvents(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt>
  /** `reason` and `requestedByUser` go in the body (not the request config). */
  cancel(orderId: string, body: { reason?: string | null; requestedByUser?: boolean | null }): Promise<OmsReceipt>
  /**
   * Change v2 (`PATCH /api/order-system/orders/{orderId}/changes?accountName=`): `202` with the
   * new request. Not repeated on 5xx (see above).
   */
  changeOrder(orderId: string, body: Record<string, unknown>): Promise<OmsChangeRequest>
  /** The order's change v2 history (`GET .../changes?an=`), oldest first. */
  listChanges(orderId: string): Promise<OmsChangeRequest[]>
  /** One change v2 request with its `status` and `inProgress` (`GET .../changes/{id}?an=`); null on 404. */
  getChange(orderId: string, changeRequestId: string): Promise<OmsChangeRequest | null>
  /**
   * List orders (`GET /api/oms/pvt/orders`, §A.1 / orders-api.json "List orders"): one page of
   * the orders in `statuses` created within [from, to], oldest first. Needs the `ListOrders`
   * role policy.
   */
  listOrders(query: OrderListQuery): Promise<OrderListPage>
  /** `GET /api/orders/feed?maxlot=` (1 to 10). */
  takeFeed(maxlot: number): Promise<FeedItem[]>
  /** `POST /api/orders/feed {handles}`. */
  commitFeed(handles: string[]): Promise<void>
}

/** Every path this client calls; manifest.test.ts checks each has an outbound-access policy. */
export const OMS_PATHS = {
  order: '/api/oms/pvt/orders/*',
  feed: '/api/orders/feed',
  feedConfig: '/api/orders/feed/config',
  hookConfig: '/api/orders/hook/config',
  changes: '/api/order-system/orders/*',
} as const

/** The intake filter of Feed v3 and the Hook (§B.2). */
export interface IntakeFilterConfig {
  type: 'FromWorkflow' | 'FromOrders'
  status?: string[]
  expression?: string
  disableSingleFire?: boolean
}

/** `POST|GET /api/orders/hook/config` (§B.2, §B.5). */
export interface HookConfig {
  filter: IntakeFilterConfig
  hook: { url: string; headers?: Record<string, string> }
}

/** `POST|GET /api/orders/feed/config` (§B.2); reading it back adds queue figures. */
export interface FeedConfig {
  filter: IntakeFilterConfig
  queue?: { visibilityTimeoutInSeconds?: number; MessageRetentionPeriodInSeconds?: number; messageRetentionPeriodInSeconds?: number }
  [other: string]: unknown
}

const enc = encodeURIComponent

export interface OmsOptions extends InstanceOptions {
  retry?: RetryPolicy
  clock?: Clock
}

export class Oms extends ExternalClient implements OmsApi {
  private readonly retry: RetryPolicy
  private readonly clock: Clock

  constructor(context: IOContext, options?: OmsOptions) {
    const { retry, clock, ...rest } = options ?? {}
    super(`http://${context.account}.vtexcommercestable.com.br`, context, {
      ...rest,
      headers: {
        ...rest.headers,
        'X-Vtex-Use-Https': 'true',
        ...(context.authToken ? { VtexIdclientAutCookie: context.authToken } : {}),
      },
    })
    this.retry = retry ?? DEFAULT_RETRY
    this.clock = clock ?? realClock
  }

  public async getOrder(orderId: string): Promise<OmsOrder | null> {
    try {
      return await this.call('oms-get-order', true, () => this.http.get<OmsOrder>(`/api/oms/pvt/orders/${enc(orderId)}`, this.config('oms-get-order')))
    } catch (e) {
      if (e instanceof OmsError && e.status === 404) return null
      throw e
    }
  }

  public async startHandling(orderId: string): Promise<void> {
    await this.call('oms-start-handling', false, () =>
      this.http.post(`/api/oms/pvt/orders/${enc(orderId)}/start-handling`, undefined, this.config('oms-start-handling'))
    )
  }

  public invoice(orderId: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    return this.call('oms-invoice', true, () =>
      this.http.post<OmsReceipt>(`/api/oms/pvt/orders/${enc(orderId)}/invoice`, body, this.config('oms-invoice'))
    )
  }

  public updateTracking(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    return this.call('oms-invoice-tracking-number', true, () =>
      this.http.patch<OmsReceipt>(
        `/api/oms/pvt/orders/${enc(orderId)}/invoice/${enc(invoiceNumber)}`,
        body,
        this.config('oms-invoice-tracking-number')
      )
    )
  }

  public sendTrackingEvents(orderId: string, invoiceNumber: string, body: Record<string, unknown>): Promise<OmsReceipt> {
    return this.call('oms-invoice-tracking-events', true, () =>
      this.http.put<OmsReceipt>(
        `/api/oms/pvt/orders/${enc(orderId)}/invoice/${enc(invoiceNumber)}/tracking`,
        body,
        this.config('oms-invoice-tracking-events')
      )
    )
  }

  public cancel(orderId: string, body: { reason?: string | null; requestedByUser?: boolean | null }): Promise<OmsReceipt> {
    const payload: Record<string, unknown> = {}
    if (body.reason !== undefined && body.reason !== null) payload.reason = body.reason
    if (body.requestedByUser !== undefined && body.requestedByUser !== null) payload.requestedByUser = body.requestedByUser
    return this.call('oms-cancel', false, () =>
      this.http.post<OmsReceipt>(`/api/oms/pvt/orders/${enc(orderId)}/cancel`, payload, this.config('oms-cancel'))
    )
  }

  public changeOrder(orderId: string, body: Record<string, unknown>): Promise<OmsChangeRequest> {
    return this.call('oms-change-order', false, () =>
      this.http.patch<OmsChangeRequest>(`/api/order-system/orders/${enc(orderId)}/changes`, body, {
        ...this.config('oms-change-order'),
        params: { accountName: this.context.account },
      })
    )
  }

  public async listChanges(orderId: string): Promise<OmsChangeRequest[]> {
    const history = await this.call('oms-change-history', true, () =>
      this.http.get<{ requests?: unknown }>(`/api/order-system/orders/${enc(orderId)}/changes`, {
        ...this.config('oms-change-history'),
        params: { an: this.context.account },
      })
    )
    const requests = Array.isArray(history?.requests) ? history.requests : []
    return requests.filter((r): r is OmsChangeRequest => typeof r === 'object' && r !== null && typeof (r as { requestId?: unknown }).requestId === 'string')
  }

  public async getChange(orderId: string, changeRequestId: string): Promise<OmsChangeRequest | null> {
    try {
      const change = await this.call('oms-change-details', true, () =>
        this.http.get<OmsChangeRequest>(`/api/order-system/orders/${enc(orderId)}/changes/${enc(changeRequestId)}`, {
          ...this.config('oms-change-details'),
          params: { an: this.context.account },
        })
      )
      return typeof change?.requestId === 'string' ? change : null
    } catch (e) {
      if (e instanceof OmsError && e.status === 404) return null
      throw e
    }
  }

  public async listOrders(query: OrderListQuery): Promise<OrderListPage> {
    const answer = await this.call('oms-list-orders', true, () =>
      this.http.get<{ list?: unknown; paging?: { pages?: unknown } }>('/api/oms/pvt/orders', {
        ...this.config('oms-list-orders'),
        params: {
          f_status: query.statuses.join(','),
          f_creationDate: `creationDate:[${query.from} TO ${query.to}]`,
          orderBy: 'creationDate,asc',
          page: query.page,
          per_page: query.perPage,
        },
      })
    )
    const list = Array.isArray(answer?.list) ? answer.list : []
    return {
      list: list
        .filter((o): o is { orderId: string; status?: unknown; creationDate?: unknown } => typeof (o as { orderId?: unknown })?.orderId === 'string')
        .map((o) => ({
          orderId: o.orderId,
          status: typeof o.status === 'string' ? o.status : null,
          creationDate: typeof o.creationDate === 'string' ? o.creationDate : null,
        })),
      pages: typeof answer?.paging?.pages === 'number' ? answer.paging.pages : 1,
    }
  }

  public async takeFeed(maxlot: number): Promise<FeedItem[]> {
    const lot = Math.max(1, Math.min(10, Math.floor(maxlot)))
    const items = await this.call('feed-take', true, () =>
      this.http.get<FeedItem[]>('/api/orders/feed', { ...this.config('feed-take'), params: { maxlot: lot } })
    )
    return Array.isArray(items) ? items : []
  }

  public async commitFeed(handles: string[]): Promise<void> {
    if (handles.length === 0) return
    await this.call('feed-commit', true, () => this.http.post('/api/orders/feed', { handles }, this.config('feed-commit')))
  }

  /** `POST /api/orders/hook/config`: VTEX pings the URL first and refuses with 400 when the ping fails (§B.5). */
  public async setHookConfig(config: HookConfig): Promise<void> {
    await this.call('hook-config-set', true, () => this.http.post(OMS_PATHS.hookConfig, config, this.config('hook-config-set')))
  }

  /** `GET /api/orders/hook/config`; null when there is none (404). */
  public async hookConfig(): Promise<HookConfig | null> {
    return this.configOrNull('hook-config-get', OMS_PATHS.hookConfig)
  }

  /** `POST /api/orders/feed/config` (creates or replaces). */
  public async setFeedConfig(config: FeedConfig): Promise<void> {
    await this.call('feed-config-set', true, () => this.http.post(OMS_PATHS.feedConfig, config, this.config('feed-config-set')))
  }

  /** `GET /api/orders/feed/config`; null when there is none (404). */
  public async feedConfig(): Promise<FeedConfig | null> {
    return this.configOrNull('feed-config-get', OMS_PATHS.feedConfig)
  }

  private async configOrNull<T>(metric: string, path: string): Promise<T | null> {
    try {
      return await this.call(metric, true, () => this.http.get<T>(path, this.config(metric)))
    } catch (e) {
      if (e instanceof OmsError && e.status === 404) return null
      throw e
    }
  }

  private config(metric: string): RequestConfig {
    return { metric, headers: { Accept: 'application/json', 'Content-Type': 'application/json' } }
  }

  /** Runs one call with the retry rules above; failures become OmsError. */
  private async call<T>(operation: string, repeatable: boolean, run: () => Promise<T>): Promise<T> {
    let failures = 0
    let limited = 0
    for (;;) {
      let error: OmsError
      try {
        return await run()
      } catch (e) {
        error = toOmsError(e, operation)
        if (error.status === 429 && limited < this.retry.maxRateLimited) {
          limited += 1
          await this.clock.sleep(retryAfterMs(error.retryAfter, this.retry, this.clock.now()))
          continue
        }
        const transient = error.status === 0 || error.status >= 500
        if (transient && repeatable && failures + 1 < this.retry.maxAttempts) {
          failures += 1
          await this.clock.sleep(backoffMs(failures, this.retry, () => this.clock.random()))
          continue
        }
      }
      throw error
    }
  }
}

/** Keeps status, body and Retry-After of an axios error; drops everything else. */
export function toOmsError(e: unknown, operation: string): OmsError {
  if (e instanceof OmsError) return e
  const err = (e ?? {}) as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> }; code?: unknown }
  const status = err.response?.status
  if (typeof status === 'number') {
    const out = new OmsError(status, err.response?.data ?? null, operation)
    const headers = err.response?.headers ?? {}
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'retry-after' && v !== undefined) out.retryAfter = String(v)
    return out
  }
  const code = typeof err.code === 'string' && /^[A-Z_]{2,40}$/.test(err.code) ? err.code : 'UNKNOWN'
  return new OmsError(0, null, operation, code)
}
