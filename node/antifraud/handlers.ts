/**
 * The Anti-fraud Provider Protocol's routes (§G.3), as handlers over plain requests:
 *
 * | route | method | answer |
 * |---|---|---|
 * | `/manifest` | GET | `{customFields: [], allowAntifraudOnGiftCard}` (no credentials, as VTEX calls it) |
 * | `/pre-analysis` | POST | `{id, tid, status: approved or denied, score, analysisType, code, message, responses}` |
 * | `/transactions` | POST | the analysis, `received` the first time; the same id again: as stored |
 * | `/transactions/:id` | GET | the analysis now (received → undefined → approved or denied) |
 * | `/transactions/:id` | PUT | re-scored while undecided |
 * | `/transactions/:id` | DELETE | stopped (the order was cancelled) |
 *
 * The analysis lives in VBase (bucket `ponte-antifraud`, `transactions/{id}.json`) and is
 * written before VTEX gets an answer. When a decision lands that VTEX is to learn through its
 * `hook` (a review decided, VTEX's hook homologation cases), Ponte POSTs `{id, tid, status}`
 * to the hook, then records it delivered; a push that fails stays owed and is tried again at
 * the next read. The buyer's facts come from the ERP (`GET {erp}/customers/risk`); without an
 * ERP, or when it does not know the buyer, the buyer is unknown (no history).
 */
import { randomBytes } from 'crypto'

import type { ProvidersErp } from '../clients/erpProviders'
import { PonteError } from '../lib/errors'
import type { ProviderReply, ProviderRequest, ProviderSettings } from '../lib/providers'
import { refusal, reply } from '../lib/providers'
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import type { Analysis, AnalysisAnswer, Event, HookPush, RiskFacts, RiskPolicy } from './core'
import { analysisEvent, openAnalysis, preAnalysis, updateAnalysis } from './core'

export const BUCKET = 'ponte-antifraud'
export const MEDIA_TYPE = 'application/json'

export interface AntifraudDeps {
  kv: Kv
  erp: ProvidersErp | null
  erpEndpoint: string | null
  erpToken: string | null
  now: () => string
  /** POSTs a status to VTEX's hook; true when VTEX accepted it (2xx). */
  pushHook: (push: HookPush) => Promise<boolean>
  /** Runs work after the answer (a decision due in a few seconds); tests run it at once. */
  later: (ms: number, work: () => Promise<void>) => void
}

const path = (id: string) => `transactions/${encodeURIComponent(id)}.json`
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})

function policyOf(settings: ProviderSettings): RiskPolicy {
  return { ...(settings.riskPolicy as Partial<RiskPolicy>), homologation: settings.antifraudHomologation } as RiskPolicy
}

async function factsOf(deps: AntifraudDeps, body: Record<string, unknown>): Promise<RiskFacts | null> {
  if (!deps.erp || !deps.erpEndpoint) return null
  const buyer = obj(obj(body.miniCart).buyer)
  const document = typeof buyer.document === 'string' ? buyer.document : null
  const email = typeof buyer.email === 'string' ? buyer.email : null
  if (!document && !email) return null
  const f = await deps.erp.riskFacts(deps.erpEndpoint, deps.erpToken, { document, email })
  return f ? (f as RiskFacts) : null
}

/**
 * Applies an event with If-Match, again on a concurrent write. When a hook push is owed, the
 * replica first claims it (writes it delivered, If-Match: of two replicas one wins), then
 * pushes; a failed push is written owed again, for the next read to retry.
 */
export async function advance(deps: AntifraudDeps, id: string, event: Event): Promise<{ analysis: Analysis; answer: AnalysisAnswer } | null> {
  const r = await write(deps, id, event)
  if (!r) return null
  const due = r.hookDue
  if (due) {
    const claimed = await write(deps, id, { kind: 'hookDelivered', status: due.status }, true)
    if (claimed?.changed) {
      const pushed = await deps.pushHook(due).catch(() => false)
      if (!pushed) await write(deps, id, { kind: 'hookFailed', status: due.status })
    }
  }
  return { analysis: r.analysis, answer: r.answer }
}

/** One event written with If-Match; `once`: a lost race is not retried (someone else did it). */
async function write(deps: AntifraudDeps, id: string, event: Event, once = false) {
  for (let attempt = 0; attempt < 8; attempt++) {
    const stored = await deps.kv.get<Analysis>(path(id))
    if (!stored) return null
    const r = analysisEvent({ analysis: stored.data, event })
    if (!r.changed) return r
    try {
      await deps.kv.put(path(id), r.analysis, stored.etag ?? undefined)
      return r
    } catch (e) {
      if (!(e instanceof StaleWrite)) throw e
      if (once) return { ...r, changed: false }
    }
  }
  throw new PonteError('ANTIFRAUD_BUSY_UNAVAILABLE', `analysis ${id} kept changing; retry`)
}

/** What `decideAntifraudReview` answers. */
export interface ReviewView {
  id: string
  tid: string
  status: string
  score: number
  analysisType: string
  reasons: string[]
  hookOwed: boolean
}

/**
 * A person's decision on an analysis held for review (GraphQL `decideAntifraudReview`): the
 * core's `decide` event, written with If-Match, then the hook pushed once ({@link advance}).
 * Refusals throw the core's PonteError (`ANTIFRAUD_ANALYSIS_FINAL`, `..._STOPPED`); unknown:
 * `ANTIFRAUD_NOT_FOUND`.
 */
export async function decide(deps: AntifraudDeps, id: string, status: 'approved' | 'denied'): Promise<ReviewView> {
  const done = await advance(deps, id, { kind: 'decide', status })
  if (!done) throw new PonteError('ANTIFRAUD_NOT_FOUND', `no analysis ${id}`)
  const now = (await deps.kv.get<Analysis>(path(id)))?.data ?? done.analysis
  return {
    id: now.id,
    tid: now.tid,
    status: now.status,
    score: now.score,
    analysisType: now.analysisType,
    reasons: [...now.reasons],
    hookOwed: now.hookOwed != null,
  }
}

export async function handle(route: string, deps: AntifraudDeps, settings: ProviderSettings, req: ProviderRequest): Promise<ProviderReply> {
  try {
    return await dispatch(route, deps, settings, req)
  } catch (e) {
    if (e instanceof PonteError) return refusal(e.code.endsWith('_UNAVAILABLE') ? 503 : 400, e.code, e.message)
    throw e
  }
}

async function dispatch(route: string, deps: AntifraudDeps, settings: ProviderSettings, req: ProviderRequest): Promise<ProviderReply> {
  const body = obj(req.body)
  const policy = policyOf(settings)
  switch (`${route} ${req.method}`) {
    case 'antifraudManifest GET':
      return reply(200, { customFields: [], allowAntifraudOnGiftCard: true })
    case 'antifraudPreAnalysis POST': {
      const facts = await factsOf(deps, body)
      return reply(200, preAnalysis({ body: body as never, facts, policy, tid: `pa-${randomBytes(8).toString('hex')}` }))
    }
    case 'antifraudTransactions POST': {
      const id = typeof body.id === 'string' ? body.id : ''
      const existing = id ? await deps.kv.get<Analysis>(path(id)) : null
      if (existing) return reply(200, openAnalysis({ body: body as never, facts: null, policy, tid: existing.data.tid, existing: existing.data, now: deps.now() }).answer)
      const facts = await factsOf(deps, body)
      const opened = openAnalysis({ body: body as never, facts, policy, tid: `af-${randomBytes(8).toString('hex')}`, existing: null, now: deps.now() })
      await deps.kv.put(path(id), opened.analysis)
      const pending = opened.analysis.pending
      if (pending?.viaHook) {
        const wait = Math.max(0, Date.parse(pending.at) - Date.parse(deps.now()))
        deps.later(wait, async () => {
          await advance(deps, id, { kind: 'advance', now: deps.now() })
        })
      }
      return reply(200, opened.answer)
    }
    case 'antifraudTransaction GET': {
      const a = await advance(deps, req.params.id, { kind: 'advance', now: deps.now() })
      return a ? reply(200, a.answer) : refusal(404, 'ANTIFRAUD_NOT_FOUND', `no analysis ${req.params.id}`)
    }
    case 'antifraudTransaction PUT': {
      const id = req.params.id
      for (let attempt = 0; attempt < 8; attempt++) {
        const stored = await deps.kv.get<Analysis>(path(id))
        if (!stored) return refusal(404, 'ANTIFRAUD_NOT_FOUND', `no analysis ${id}`)
        const facts = await factsOf(deps, body)
        const r = updateAnalysis({ analysis: stored.data, body: { ...body, id } as never, facts, policy, now: deps.now() })
        if (!r.changed) return reply(200, r.answer)
        try {
          await deps.kv.put(path(id), r.analysis, stored.etag ?? undefined)
          return reply(200, r.answer)
        } catch (e) {
          if (!(e instanceof StaleWrite)) throw e
        }
      }
      throw new PonteError('ANTIFRAUD_BUSY_UNAVAILABLE', `analysis ${id} kept changing; retry`)
    }
    case 'antifraudTransaction DELETE': {
      const a = await advance(deps, req.params.id, { kind: 'stop' })
      return a ? reply(200, a.answer) : refusal(404, 'ANTIFRAUD_NOT_FOUND', `no analysis ${req.params.id}`)
    }
    default:
      return refusal(405, 'METHOD_NOT_ALLOWED', `${req.method} is not served here`)
  }
}
