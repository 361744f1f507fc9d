/**
 * The orders flow's settings: the app settings (manifest.json `settingsSchema`) that concern
 * orders, checked, with defaults; and the tunables of the protocol (timeouts, claims, retries),
 * which have defaults here and may be overridden by the optional `ordersTuning` setting.
 *
 * Settings are read through the apps client and kept per account/workspace for
 * `SETTINGS_TTL_MS` (a changed hook secret is honoured within that time).
 */
import type { IntakeFilter, Status, WorkflowPolicy } from './core'
import { isStatus } from './core'
import { PonteError } from '../lib/errors'
import { backgroundWorkspaceOf } from '../lib/workspace'

/** The orders settings cannot work as set (the message says which and why); nothing is done with them. */
export const ORDERS_SETTINGS_INVALID = 'ORDERS_SETTINGS_INVALID'

export interface OrdersSettings {
  /** `POST {erpEndpoint}/orders`; null when not configured (then nothing is handed off). */
  erpEndpoint: string | null
  erpToken: string | null
  /** The hook route's shared secret (VTEX's Hook sends it); null refuses every call. */
  hookSecret: string | null
  /** The feed tick route's shared secret (the scheduler sends it); null refuses every call. */
  tickSecret: string | null
  /** An order is handed off the first time Ponte sees it at or past this status. */
  handoffStatus: Status
  /** Ponte's own intake filter (FromWorkflow), or null: every status. */
  filter: IntakeFilter | null
  /** The §H choices, passed to the core. */
  policy: Partial<WorkflowPolicy>
  /**
   * The one workspace whose Ponte does background work and writes (lib/workspace.ts): order
   * intake (hook, feed tick, IO events), import jobs, the ERP's actions, the intake set-up.
   * Others (A/B test workspaces) serve reads. Default `master`.
   */
  backgroundWorkspace: string
  /**
   * After the ERP is told an order is invoiced, ask it for the order's SKUs' current counts
   * (`POST {erpEndpoint}/stock/counts`) and submit them as a stock sync job
   * (inventory/refresh.ts). Off by default: the ERP must serve that endpoint.
   */
  stockRefreshAfterInvoice: boolean
  tuning: OrdersTuning
}

export interface OrdersTuning {
  /** ERP call timeout. Must exceed the slowest ERP answer, or a slow success is retried. */
  erpTimeoutMs: number
  /** Ask the ERP whether it already has a delivery (with the claim's fence) before sending it (deliver.ts). */
  erpLookupBeforeRetry: boolean
  /** Attempts per delivery within one processing (the event's carrier retries later). */
  erpMaxAttempts: number
  erpBaseDelayMs: number
  erpMaxDelayMs: number
  /**
   * Time one Get order attempt may take under a claim (the OMS client's timeout, deps.ts): the
   * delivery reads the order it hands off while it holds the claim.
   */
  getOrderBudgetMs: number
  /**
   * How long a claim on a delivery lasts from its last renewal (deliver.ts renews it before the
   * ERP lookup and before the POST). At least `erpTimeoutMs + getOrderBudgetMs`, or a slow but
   * successful attempt would lose its claim on the way: refused when read
   * ({@link ORDERS_SETTINGS_INVALID}).
   */
  claimMs: number
  /**
   * How far replicas' clocks may disagree: a claim is renewed before an ERP call unless it still
   * has `erpTimeoutMs + clockSkewMs` left (another replica judges its end by its own clock).
   */
  clockSkewMs: number
  /** How long to wait for another replica's live claim before leaving the work to a later retry. */
  claimWaitMs: number
  /** After creating an order record blindly, wait this long before trusting it (README: creation). */
  settleMs: number
  /** Optimistic-concurrency retries per record update. */
  casAttempts: number
  /** The feed tick resumes inbox entries accepted longer ago than this. */
  inboxResumeAfterMs: number
  /** An event whose order the OMS does not know is recorded under rejected/ and acknowledged once older than this (orders/rejected.ts). */
  unknownOrderGiveUpMs: number
  /** Inbox entries tried per tick (oldest due first). */
  inboxResumeBatch: number
  /** Inbox paths listed per tick at most, to find the due ones (paged, time-ordered). */
  inboxScanMax: number
  /** Tries of an inbox entry that threw, after which it is moved to the dead-letter. */
  inboxMaxFailures: number
  /** An inbox entry whose try threw is due again after base · 2^(throws−1), at most max (one that ended incomplete, after inboxResumeAfterMs). */
  inboxRetryBaseMs: number
  inboxRetryMaxMs: number
  /** Hook and IO event entries worked on at once by one replica, and how many may wait. */
  backgroundConcurrency: number
  backgroundQueue: number
  /**
   * Background work (inbox entries, the feed tick's items) yields to the answers in flight: each
   * of its steps (a task's start, every VBase, OMS or ERP call) waits while the hook or an IO
   * event is being accepted, at most this long (0: no yielding).
   */
  backgroundYieldMs: number
  /** Feed items processed at once. */
  feedConcurrency: number
  /** Feed items asked for per lot (1 to 10). */
  feedMaxLot: number
  /** Lots a tick takes at most, while each lot is committed whole and half the budget is left. */
  feedLotsPerTick: number
  /** The tick answers after this long; unfinished items go on (and commit) in the background. */
  tickBudgetMs: number
  /**
   * The safety net (sweep.ts): every `sweepIntervalMs` one replica's tick lists the OMS's orders
   * at or past the hand-off status created in the last `sweepWindowMs` (in slices of
   * `sweepSliceMs`, each at most 30 pages of 100) but more than `sweepGraceMs` ago, and hands
   * off those Ponte holds no record of. 0 interval: no sweep.
   */
  sweepIntervalMs: number
  sweepWindowMs: number
  sweepSliceMs: number
  sweepGraceMs: number
  /**
   * The customer changes pull (customers/changes.ts) leaves a CL changed less than this long ago
   * for a later tick, for two reasons. A sync writes the CL and then Ponte's record of it, so a
   * CL caught between the two would not be known as Ponte's own (the gap is the rest of that
   * customer's calls, each a pacer turn: at the default 50/s and a customer's 2 to 4 calls,
   * under 100 ms, plus one VBase write). And Master Data's `/search` is eventually consistent,
   * with no documented bound (developers.vtex.com/docs/guides/data-consistency-and-
   * synchronization-in-master-data): a CL indexed after the cursor has moved past its
   * `updatedIn` would never be pulled. The default, 3 s, is a margin over the first and a
   * guess at the second; raise it if the account's search lags more (a change is then
   * delivered that much later, never lost to the cursor).
   */
  customerChangesSettleMs: number
}

export const DEFAULT_TUNING: OrdersTuning = {
  erpTimeoutMs: 15000,
  erpLookupBeforeRetry: true,
  backgroundConcurrency: 16,
  backgroundQueue: 2000,
  backgroundYieldMs: 250,
  erpMaxAttempts: 4,
  erpBaseDelayMs: 300,
  erpMaxDelayMs: 5000,
  getOrderBudgetMs: 10000,
  claimMs: 25000,
  clockSkewMs: 2000,
  claimWaitMs: 3000,
  settleMs: 1000,
  casAttempts: 12,
  inboxResumeAfterMs: 30000,
  unknownOrderGiveUpMs: 3600000,
  inboxResumeBatch: 50,
  inboxScanMax: 10000,
  inboxMaxFailures: 8,
  inboxRetryBaseMs: 5000,
  inboxRetryMaxMs: 300000,
  feedConcurrency: 4,
  feedMaxLot: 10,
  feedLotsPerTick: 5,
  tickBudgetMs: 8000,
  sweepIntervalMs: 300000,
  sweepWindowMs: 6 * 3600000,
  sweepSliceMs: 3600000,
  sweepGraceMs: 120000,
  customerChangesSettleMs: 3000,
}

export const SETTINGS_TTL_MS = 10000

/**
 * The secrets' minimum length, enforced here as well as by the manifest's settingsSchema
 * (`minLength`), which only the admin's settings form applies: settings saved through the Apps
 * API skip it. One secret per direction: the hook's (VTEX → Ponte), the tick's (the scheduler →
 * Ponte) and the ERP token (Ponte → ERP). A secret shorter than this, or equal to another
 * direction's (the ERP that receives its token must not be able to call the hook with it; a
 * leaked hook secret must not run the tick), counts as none, so every call on its route is
 * refused.
 */
export const MIN_SECRET_LENGTH = 16

/** The header that carries the hook secret (VTEX's Hook sends the headers it was configured with). */
export const SECRET_HEADER = 'x-ponte-hook-secret'
/** The header that carries the tick secret (vtex.scheduler sends the request's configured headers). */
export const TICK_SECRET_HEADER = 'x-ponte-tick-secret'

/**
 * The ERP endpoint must be `https://`: the ERP receives its bearer token and whole orders
 * (personal data). There is no exception for plain HTTP, in settings or anywhere else: the
 * simulator's ERP is reached over `https://` too (through the outbound proxy, as on VTEX IO;
 * clients/erp.ts).
 */
export function erpEndpointOf(raw: string | null): string | null {
  if (!raw) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) return null
  return raw.replace(/\/+$/, '')
}

/** Reads the raw app settings object (apps client). */
export type SettingsReader = () => Promise<unknown>

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)

/**
 * Checks the raw settings; anything unusable falls back to its default, except tunings that
 * cannot work together, which are refused with {@link ORDERS_SETTINGS_INVALID} (every orders
 * route and job then fails with that code, rather than running a protocol that cannot hold).
 */
export function parseSettings(raw: unknown): OrdersSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const endpoint = str(s.erpEndpoint)
  const handoff = str(s.handoffStatus)
  const statuses = Array.isArray(s.intakeStatuses) ? s.intakeStatuses.filter((x): x is string => typeof x === 'string' && x !== '') : []
  const policy: Partial<WorkflowPolicy> = {}
  const twoStep = bool(s.twoStepCancel)
  if (twoStep !== undefined) policy.twoStepCancel = twoStep
  const inReady = bool(s.invoiceInReadyForHandling)
  if (inReady !== undefined) policy.invoiceInReadyForHandling = inReady
  if (s.invoiceNumberReuse === 'idempotent' || s.invoiceNumberReuse === 'forbid') policy.invoiceNumberReuse = s.invoiceNumberReuse
  const tuning = { ...DEFAULT_TUNING }
  const t = s.ordersTuning && typeof s.ordersTuning === 'object' ? (s.ordersTuning as Record<string, unknown>) : {}
  for (const key of Object.keys(DEFAULT_TUNING) as Array<keyof OrdersTuning>) {
    const v = t[key]
    const current = tuning[key]
    if (typeof current === 'boolean') {
      if (typeof v === 'boolean') (tuning as Record<string, unknown>)[key] = v
    } else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) (tuning as Record<string, unknown>)[key] = v
  }
  tuning.feedMaxLot = Math.max(1, Math.min(10, Math.floor(tuning.feedMaxLot)))
  tuning.erpMaxAttempts = Math.max(1, Math.floor(tuning.erpMaxAttempts))
  tuning.casAttempts = Math.max(1, Math.floor(tuning.casAttempts))
  tuning.feedConcurrency = Math.max(1, Math.floor(tuning.feedConcurrency))
  tuning.feedLotsPerTick = Math.max(1, Math.floor(tuning.feedLotsPerTick))
  tuning.backgroundConcurrency = Math.max(1, Math.floor(tuning.backgroundConcurrency))
  tuning.backgroundQueue = Math.floor(tuning.backgroundQueue)
  tuning.inboxMaxFailures = Math.max(1, Math.floor(tuning.inboxMaxFailures))
  tuning.inboxScanMax = Math.max(1, Math.floor(tuning.inboxScanMax))
  tuning.sweepSliceMs = Math.max(60000, tuning.sweepSliceMs)
  refuseImpossible(tuning)
  const erpToken = str(s.erpToken)
  const hookSecret = str(s.hookSecret)
  const tickSecret = str(s.tickSecret)
  const secret = (own: string | null, ...others: Array<string | null>) =>
    own && own.length >= MIN_SECRET_LENGTH && !others.includes(own) ? own : null
  return {
    erpEndpoint: erpEndpointOf(endpoint),
    erpToken,
    hookSecret: secret(hookSecret, erpToken, tickSecret),
    tickSecret: secret(tickSecret, erpToken, hookSecret),
    handoffStatus: handoff && isStatus(handoff) ? handoff : 'ready-for-handling',
    filter: statuses.length > 0 ? { type: 'FromWorkflow', status: statuses } : null,
    policy,
    backgroundWorkspace: backgroundWorkspaceOf(s.backgroundWorkspace),
    stockRefreshAfterInvoice: bool(s.stockRefreshAfterInvoice) ?? false,
    tuning,
  }
}

/** Tunings that cannot work together: a refusal naming them, the values and the rule. */
function refuseImpossible(t: OrdersTuning): void {
  const needed = t.erpTimeoutMs + t.getOrderBudgetMs
  if (t.claimMs < needed) {
    throw new PonteError(
      ORDERS_SETTINGS_INVALID,
      `ordersTuning.claimMs (${t.claimMs} ms) is shorter than erpTimeoutMs + getOrderBudgetMs (${t.erpTimeoutMs} + ${t.getOrderBudgetMs} = ${needed} ms): ` +
        'a delivery could lose its claim while its ERP call is still running. Raise claimMs or lower the timeouts.',
      'error'
    )
  }
}

/** Settings per account/workspace, for a few seconds. */
export class SettingsCache {
  private readonly entries = new Map<string, { at: number; value: Promise<OrdersSettings> }>()

  constructor(private readonly ttlMs = SETTINGS_TTL_MS) {}

  public get(key: string, read: SettingsReader, now = Date.now()): Promise<OrdersSettings> {
    const hit = this.entries.get(key)
    if (hit && now - hit.at < this.ttlMs) return hit.value
    const value = read().then(parseSettings)
    // A failed read is not cached.
    value.catch(() => this.entries.delete(key))
    this.entries.set(key, { at: now, value })
    return value
  }

  public clear(): void {
    this.entries.clear()
  }
}

export const settingsCache = new SettingsCache()
