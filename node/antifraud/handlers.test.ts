import type { ErpRiskFacts, ProvidersErp } from '../clients/erpProviders'
import type { ProviderReply } from '../lib/providers'
import { parseProviderSettings } from '../lib/providers'
import { FakeKv } from '../test-support/fakeKv'
import type { AntifraudDeps } from './handlers'
import { decide, handle } from './handlers'
import type { HookPush } from './core'

class FakeErp implements ProvidersErp {
  constructor(public facts: Record<string, ErpRiskFacts>) {}
  async cardsOf() {
    return []
  }
  async card() {
    return null
  }
  async post() {}
  async riskFacts(_e: string, _t: string | null, buyer: { document?: string | null }) {
    return this.facts[buyer.document ?? ''] ?? null
  }
}

function setup(homologation = false) {
  const settings = parseProviderSettings({ providerAppKey: 'k', providerAppToken: 't', erpEndpoint: 'https://erp.example', antifraudHomologation: homologation })
  const kv = new FakeKv()
  let clock = Date.parse('2026-06-01T12:00:00Z')
  const pushes: HookPush[] = []
  let hookUp = true
  const later: Array<() => Promise<void>> = []
  const deps: AntifraudDeps = {
    kv,
    erp: new FakeErp({
      '11111111111': { previousOrders: 4, document: '11111111111', postalCodes: ['01310100'] },
      '22222222222': { blocked: true, document: '22222222222' },
      '33333333333': { overdueInvoices: 2, previousOrders: 2, document: '33333333333' },
    }),
    erpEndpoint: 'https://erp.example',
    erpToken: null,
    now: () => new Date(clock).toISOString(),
    pushHook: async (p) => {
      if (!hookUp) return false
      pushes.push(p)
      return true
    },
    later: (_ms, work) => later.push(work),
  }
  const call = (route: string, method: string, params: Record<string, string>, body?: unknown) => handle(route, deps, settings, { method, params, headers: {}, body })
  return {
    kv,
    deps,
    call,
    pushes,
    later,
    tick: (s: number) => (clock += s * 1000),
    hook: (up: boolean) => (hookUp = up),
  }
}

const tx = (id: string, document: string, value = 150) => ({
  id,
  reference: 'v1-01',
  value,
  hook: 'https://vtex.example/hook',
  miniCart: { buyer: { document, email: 'a@b.c' }, shipping: { address: { postalCode: '01310-100' } } },
  payments: [],
})

const b = (r: ProviderReply) => r.body as Record<string, unknown>

describe('anti-fraud protocol handlers', () => {
  it('answers received, then the rules decide by the ERP facts; idempotent per id', async () => {
    const { call, kv } = setup()
    for (const [id, doc, status] of [
      ['clean', '11111111111', 'approved'],
      ['blocked', '22222222222', 'denied'],
      ['overdue', '33333333333', 'undefined'],
    ]) {
      const posted = await call('antifraudTransactions', 'POST', {}, tx(id, doc))
      expect([posted.status, b(posted).status]).toEqual([200, 'received'])
      const again = await call('antifraudTransactions', 'POST', {}, tx(id, '22222222222'))
      expect(b(again)).toEqual(b(posted))
      const read = await call('antifraudTransaction', 'GET', { id })
      expect(b(read).status).toBe(status)
    }
    expect(kv.json<{ analysisType: string }>('transactions/overdue.json')?.analysisType).toBe('manual')
  })

  it('runs the homologation cases 1 to 6', async () => {
    const { call, pushes, later, tick } = setup(true)
    const early: Record<string, string> = {}
    for (const d of ['1', '2', '3', '4', '5', '6']) {
      expect(b(await call('antifraudTransactions', 'POST', {}, tx(`HOMOLOG-${d}`, '22222222222'))).status).toBe('received')
      early[d] = String(b(await call('antifraudTransaction', 'GET', { id: `HOMOLOG-${d}` })).status)
    }
    expect(early).toEqual({ '1': 'approved', '2': 'denied', '3': 'undefined', '4': 'undefined', '5': 'undefined', '6': 'undefined' })
    expect(later).toHaveLength(2)
    tick(11)
    for (const work of later) await work()
    expect(pushes.map((p) => [p.id, p.status])).toEqual([
      ['HOMOLOG-5', 'approved'],
      ['HOMOLOG-6', 'denied'],
    ])
    const late: Record<string, string> = {}
    for (const d of ['3', '4', '5', '6']) late[d] = String(b(await call('antifraudTransaction', 'GET', { id: `HOMOLOG-${d}` })).status)
    expect(late).toEqual({ '3': 'approved', '4': 'denied', '5': 'approved', '6': 'denied' })
    // Each status reached the hook once.
    expect(pushes).toHaveLength(2)
  })

  it('keeps a failed hook push owed and delivers it at the next read', async () => {
    const { call, pushes, later, tick, hook } = setup(true)
    await call('antifraudTransactions', 'POST', {}, tx('X-5', '1'))
    hook(false)
    tick(11)
    for (const work of later) await work()
    expect(pushes).toHaveLength(0)
    hook(true)
    expect(b(await call('antifraudTransaction', 'GET', { id: 'X-5' })).status).toBe('approved')
    await call('antifraudTransaction', 'GET', { id: 'X-5' })
    expect(pushes.map((p) => p.status)).toEqual(['approved'])
  })

  it('two replicas landing the same hook decision push it once', async () => {
    const { call, pushes, later, tick, kv } = setup(true)
    await call('antifraudTransactions', 'POST', {}, tx('R-6', '1'))
    tick(11)
    kv.latency = () => Math.floor(Math.random() * 4)
    await Promise.all([...later.map((w) => w()), call('antifraudTransaction', 'GET', { id: 'R-6' }), call('antifraudTransaction', 'GET', { id: 'R-6' })])
    expect(pushes.map((p) => p.status)).toEqual(['denied'])
  })

  it('pre-analysis, update, delete, manifest and bad input', async () => {
    const { call } = setup()
    expect(b(await call('antifraudPreAnalysis', 'POST', {}, tx('p', '22222222222'))).status).toBe('denied')
    expect(b(await call('antifraudPreAnalysis', 'POST', {}, tx('p', '11111111111'))).status).toBe('approved')
    expect(b(await call('antifraudManifest', 'GET', {}))).toEqual({ customFields: [], allowAntifraudOnGiftCard: true })
    await call('antifraudTransactions', 'POST', {}, tx('u', '33333333333'))
    const updated = await call('antifraudTransaction', 'PUT', { id: 'u' }, tx('u', '11111111111'))
    expect(updated.status).toBe(200)
    expect(b(await call('antifraudTransaction', 'GET', { id: 'u' })).status).toBe('approved')
    await call('antifraudTransactions', 'POST', {}, tx('d', '33333333333'))
    const stopped = await call('antifraudTransaction', 'DELETE', { id: 'd' })
    expect(b(stopped)).toMatchObject({ status: 'undefined', message: 'analysis stopped' })
    expect((await call('antifraudTransaction', 'GET', { id: 'none' })).status).toBe(404)
    const bad = await call('antifraudTransactions', 'POST', {}, { id: 'x' })
    expect([bad.status, b(bad).code]).toEqual([400, 'ANTIFRAUD_BODY_INVALID'])
    const empty = await call('antifraudTransactions', 'POST', {}, { ...tx('', '1') })
    expect(b(empty).code).toBe('ANTIFRAUD_TRANSACTION_INVALID')
  })
})

describe('a person decides a review (decideAntifraudReview)', () => {
  it('approves a held analysis: pushed to the hook once, VTEX reads approved; again the same way changes nothing', async () => {
    const { call, deps, pushes } = setup()
    await call('antifraudTransactions', 'POST', {}, tx('held', '33333333333'))
    expect(b(await call('antifraudTransaction', 'GET', { id: 'held' })).status).toBe('undefined')
    const decided = await decide(deps, 'held', 'approved')
    expect(decided).toMatchObject({ id: 'held', status: 'approved', analysisType: 'manual', hookOwed: false, reasons: ['OVERDUE_INVOICES'] })
    expect(pushes).toEqual([expect.objectContaining({ id: 'held', status: 'approved', url: 'https://vtex.example/hook' })])
    expect(b(await call('antifraudTransaction', 'GET', { id: 'held' })).status).toBe('approved')
    expect((await decide(deps, 'held', 'approved')).status).toBe('approved')
    expect(pushes).toHaveLength(1)
  })

  it('refuses the other way once decided, an unknown id, and a stopped analysis; a failed push stays owed and goes at the next read', async () => {
    const { call, deps, pushes, hook } = setup()
    await call('antifraudTransactions', 'POST', {}, tx('held2', '33333333333'))
    hook(false)
    expect(await decide(deps, 'held2', 'denied')).toMatchObject({ status: 'denied', hookOwed: true })
    expect(pushes).toEqual([])
    hook(true)
    await call('antifraudTransaction', 'GET', { id: 'held2' })
    expect(pushes.map((p) => [p.id, p.status])).toEqual([['held2', 'denied']])
    await expect(decide(deps, 'held2', 'approved')).rejects.toMatchObject({ code: 'ANTIFRAUD_ANALYSIS_FINAL' })
    await expect(decide(deps, 'nope', 'approved')).rejects.toMatchObject({ code: 'ANTIFRAUD_NOT_FOUND' })
    await call('antifraudTransactions', 'POST', {}, tx('gone', '33333333333'))
    await call('antifraudTransaction', 'DELETE', { id: 'gone' })
    await expect(decide(deps, 'gone', 'approved')).rejects.toMatchObject({ code: 'ANTIFRAUD_ANALYSIS_STOPPED' })
  })
})
