import type { ErpGiftCard, ErpPosting, ProvidersErp } from '../clients/erpProviders'
import { ErpPostingRefused, ErpUnavailable } from '../clients/erpProviders'
import { parseProviderSettings } from '../lib/providers'
import type { ProviderReply } from '../lib/providers'
import { FakeKv } from '../test-support/fakeKv'
import { handle, sweepOnce } from './handlers'
import type { GiftCardDeps } from './store'

const settings = parseProviderSettings({ providerAppKey: 'k', providerAppToken: 't', erpEndpoint: 'https://erp.example' })

/** The ERP's books as the sim keeps them: a posting recorded once per key, the balance of record moved by it. */
class FakeErp implements ProvidersErp {
  public calls = 0
  /** Per card, its postings and how many times each was received. */
  public books = new Map<string, Array<ErpPosting & { received: number }>>()
  /** The next posts: `lose` records then throws (an answer lost), `down` throws without recording. */
  public faults: Array<'lose' | 'down'> = []
  /** A change made in the ERP outside Ponte. */
  public adjustCents = 0
  constructor(public cards: ErpGiftCard[]) {}
  async post(_e: string, _t: string | null, cardId: string, p: ErpPosting) {
    const fault = this.faults.shift()
    if (fault === 'down') throw new ErpUnavailable('the ERP answered 503')
    const mine = this.books.get(cardId) ?? []
    this.books.set(cardId, mine)
    const found = mine.find((x) => x.key === p.key)
    if (found && (found.kind !== p.kind || found.valueCents !== p.valueCents)) throw new ErpPostingRefused(409, 'ERP_POSTING_CONFLICT')
    if (found) found.received += 1
    else mine.push({ ...p, received: 1 })
    if (fault === 'lose') throw new ErpUnavailable('the ERP answered 503')
  }
  balance(id: string): number {
    const c = this.cards.find((x) => x.id === id)
    return (this.books.get(id) ?? []).reduce((b, p) => (p.kind === 'settlement' ? b - p.valueCents : b + p.valueCents), (c?.balanceCents ?? 0) + this.adjustCents)
  }
  async cardsOf(_e: string, _t: string | null, q: { owner?: string; code?: string }) {
    this.calls++
    return this.cards.filter((c) => (q.owner && c.ownerId === q.owner) || (q.code && c.redemptionCode === q.code))
  }
  async card(_e: string, _t: string | null, id: string) {
    this.calls++
    const c = this.cards.find((x) => x.id === id)
    return c ? { ...c, balanceCents: this.balance(id), postings: (this.books.get(id) ?? []).map((p) => p.key) } : null
  }
  async riskFacts() {
    return null
  }
}

function setup(cards: ErpGiftCard[] = [{ id: 'erp-1', redemptionCode: 'ERPCODE001', balanceCents: 10000, currencyCode: 'BRL', ownerId: 'shopper' }]) {
  const kv = new FakeKv()
  const erp = new FakeErp(cards)
  const deps: GiftCardDeps = { kv, erp, erpEndpoint: 'https://erp.example', erpToken: null, now: () => '2026-06-01T12:00:00Z', settleMs: 0 }
  const call = (route: string, method: string, params: Record<string, string>, body?: unknown, headers: Record<string, string> = {}) =>
    handle(route, deps, settings, { method, params, headers, body })
  return { kv, erp, deps, call }
}

const debit = (value: number, requestId: string, extra: Record<string, unknown> = {}) => ({
  operation: 'Debit',
  value,
  requestId,
  redemptionCode: 'ERPCODE001',
  orderInfo: { orderId: 'o1', clientProfile: { id: 'shopper' } },
  ...extra,
})

const body = (r: ProviderReply) => r.body as Record<string, unknown>

describe('gift card protocol handlers', () => {
  it('lists the ERP card, debits, settles and cancels, once per requestId', async () => {
    const { call, kv } = setup()
    const found = await call('giftcardSearch', 'POST', {}, { client: { id: 'shopper' }, cart: {} }, { 'rest-range': 'resources=0-49' })
    expect(found.status).toBe(200)
    expect(found.body).toEqual([{ id: 'erp-1', provider: 'ponte', balance: 100, _self: { href: '/_v/ponte/giftcards/erp-1' } }])
    expect(found.headers).toEqual({ 'REST-Content-Range': 'resources 0-0/1' })

    const tx = await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60.5, 'r1'))
    expect(tx.status).toBe(200)
    expect(body(tx)).toEqual({ cardId: 'erp-1', id: 't1', _self: { href: '/_v/ponte/giftcards/erp-1/transactions/t1' } })
    const again = await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60.5, 'r1'))
    expect(again.body).toEqual(tx.body)
    const card = await call('giftcard', 'GET', { id: 'erp-1' })
    expect(body(card).balance).toBe(39.5)

    const over = await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 61, requestId: 's1' })
    expect([over.status, body(over).code]).toEqual([400, 'GIFTCARD_SETTLE_ABOVE_AUTHORIZED'])
    const settled = await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 50, requestId: 's1' })
    expect(body(settled)).toMatchObject({ oid: 't1-s1', value: 50 })
    const cancelled = await call('giftcardCancellations', 'POST', { id: 'erp-1', tid: 't1' }, { value: 10.5, requestId: 'c1' })
    expect(body(cancelled)).toMatchObject({ oid: 't1-c1', value: 10.5 })
    expect(body(await call('giftcard', 'GET', { id: 'erp-1' })).balance).toBe(50)
    expect((await call('giftcardSettlements', 'GET', { id: 'erp-1', tid: 't1' })).body).toHaveLength(1)
    expect(body(await call('giftcardAuthorization', 'GET', { id: 'erp-1', tid: 't1' }))).toMatchObject({ value: 60.5 })
    expect(body(await call('giftcardTransaction', 'GET', { id: 'erp-1', tid: 't1' }))).toMatchObject({ operation: 'Debit', requestId: 'r1' })
    expect(kv.json<{ card: { balanceCents: number } }>('cards/erp-1.json')?.card.balanceCents).toBe(5000)
  })

  it('refuses bad input with the protocol error and changes nothing', async () => {
    const { call, kv } = setup()
    await call('giftcard', 'GET', { id: 'erp-1' })
    const writes = kv.writes
    const cases: Array<[string, Record<string, string>, unknown, number, string]> = [
      ['giftcardTransactions', { id: 'erp-1' }, debit(100.01, 'a'), 400, 'GIFTCARD_INSUFFICIENT_BALANCE'],
      ['giftcardTransactions', { id: 'nope' }, debit(1, 'a'), 404, 'GIFTCARD_NOT_FOUND'],
      ['giftcardTransactions', { id: 'erp-1' }, debit(1, 'a', { redemptionCode: 'WRONGCODE' }), 400, 'GIFTCARD_REDEMPTION_CODE_INVALID'],
      ['giftcardTransactions', { id: 'erp-1' }, { operation: 'Refund', value: 1 }, 400, 'GIFTCARD_BODY_INVALID'],
      ['giftcardTransactions', { id: 'erp-1' }, debit(1, 'a', { value: 'x' }), 400, 'GIFTCARD_BODY_INVALID'],
      ['giftcardSettlements', { id: 'erp-1', tid: 't9' }, { value: 1, requestId: 's' }, 404, 'GIFTCARD_TRANSACTION_NOT_FOUND'],
    ]
    for (const [route, params, b, status, code] of cases) {
      const r = await call(route, 'POST', params, b)
      expect([status, body(r).code]).toEqual([status, code])
    }
    expect(kv.writes).toBe(writes)
    expect(body(await call('giftcard', 'GET', { id: 'erp-1' })).balance).toBe(100)
  })

  it('creates a card with balance 0 that its owner finds', async () => {
    const { call, erp, kv } = setup([])
    const created = await call('giftcards', 'POST', {}, { relationName: 'r', caption: 'c', profileId: 'p9', currencyCode: 'BRL', multipleCredits: true, multipleRedemptions: true, restrictedToOwner: false })
    expect(created.status).toBe(200)
    expect(body(created)).toMatchObject({ balance: 0, currencyCode: 'BRL' })
    expect(String(body(created).redemptionCode)).toHaveLength(16)
    const id = String(body(created).id)
    const credit = await call('giftcardTransactions', 'POST', { id }, { operation: 'Credit', value: 25, requestId: 'load', redemptionCode: body(created).redemptionCode })
    expect(credit.status).toBe(200)
    const found = await call('giftcardSearch', 'POST', {}, { client: { id: 'p9' }, cart: {} })
    expect(found.body).toEqual([expect.objectContaining({ id, balance: 25 })])
    // Not the ERP's card: nothing owed to the ERP's books.
    expect(erp.books.size).toBe(0)
    expect([...kv.files.keys()].filter((k) => k.startsWith('outbox/'))).toEqual([])
  })

  it('concurrent debits never overdraw a card', async () => {
    const { call, kv } = setup()
    kv.latency = () => Math.floor(Math.random() * 3)
    await call('giftcard', 'GET', { id: 'erp-1' })
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(30, `r${i % 6}`))))
    const ok = answers.filter((a) => a.status === 200)
    expect(answers.every((a) => a.status === 200 || body(a).code === 'GIFTCARD_INSUFFICIENT_BALANCE' || body(a).code === 'GIFTCARD_BUSY_UNAVAILABLE')).toBe(true)
    const card = kv.json<{ card: { balanceCents: number; transactions: unknown[] } }>('cards/erp-1.json')?.card
    expect(card?.transactions.length).toBeLessThanOrEqual(3)
    expect(card?.balanceCents).toBe(10000 - 3000 * (card?.transactions.length ?? 0))
    expect(ok.length).toBeGreaterThanOrEqual(card?.transactions.length ?? 0)
  })
})

describe('taking a card over from the ERP', () => {
  it('a late blind takeover write cannot erase a hold: commands wait for the record to settle', async () => {
    const { kv, deps, call } = setup()
    const slept: number[] = []
    deps.settleMs = 50
    deps.sleep = async (ms) => {
      slept.push(ms)
      // Meanwhile another replica's takeover lands (blind, the ERP's content again).
      const stale = kv.json<{ card: unknown; createdAtMs: number }>('cards/erp-1.json')
      if (stale) await kv.put('cards/erp-1.json', { ...stale })
    }
    const t = await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(10, 'r1'))
    expect(t.status).toBe(200)
    expect(slept).toHaveLength(1)
    expect(kv.json<{ card: { balanceCents: number } }>('cards/erp-1.json')?.card.balanceCents).toBe(9000)
  })
})

describe("the ERP's books: settlements, refunds and credits posted once, reconciled after a lost answer", () => {
  const posts = (erp: FakeErp) => (erp.books.get('erp-1') ?? []).map((p) => [p.key, p.kind, p.valueCents, p.received])

  it('posts each settlement, refund and credit once; a retried settlement posts nothing again', async () => {
    const { call, erp, kv } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    expect(posts(erp)).toEqual([])
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 40, requestId: 's1' })
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 40, requestId: 's1' })
    // Cancel 30: 20 released (never settled: nothing for the ERP), 10 refunded.
    await call('giftcardCancellations', 'POST', { id: 'erp-1', tid: 't1' }, { value: 30, requestId: 'c1' })
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, { operation: 'Credit', value: 5, requestId: 'cr', redemptionCode: 'ERPCODE001' })
    expect(posts(erp)).toEqual([
      ['t1:s1', 'settlement', 4000, 1],
      ['t1:c1', 'refund', 1000, 1],
      ['t2:cr', 'credit', 500, 1],
    ])
    expect(erp.balance('erp-1')).toBe(10000 - 4000 + 1000 + 500)
    expect(kv.json<{ posted: string[] }>('cards/erp-1.json')?.posted).toEqual(['t1:s1', 't1:c1', 't2:cr'])
    expect([...kv.files.keys()].filter((k) => k.startsWith('outbox/'))).toEqual([])
    const report = await call('giftcardReconcile', 'POST', {}, { cardIds: ['erp-1'] })
    expect(body(report).cards).toEqual([{ cardId: 'erp-1', posted: 0, owed: 0, adopted: 0, reopened: 0, unknown: [], driftCents: 0, refusals: [] }])
  })

  it('an ERP down leaves the settlement owed (answered, durable); the sweep posts it', async () => {
    const { call, erp, kv } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    erp.faults = ['down']
    const settled = await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 60, requestId: 's1' })
    expect(settled.status).toBe(200)
    expect(posts(erp)).toEqual([])
    expect(kv.files.has('outbox/erp-1')).toBe(true)
    const report = await call('giftcardReconcile', 'POST', {}, {})
    expect(body(report).cards).toEqual([expect.objectContaining({ cardId: 'erp-1', posted: 1, owed: 0, adopted: 0, driftCents: 0 })])
    expect(posts(erp)).toEqual([['t1:s1', 'settlement', 6000, 1]])
    expect(kv.files.has('outbox/erp-1')).toBe(false)
  })

  it('a lost answer: the ERP recorded it; reconciling adopts the key instead of posting it twice', async () => {
    const { call, erp, kv } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    erp.faults = ['lose']
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 25, requestId: 's1' })
    expect(kv.json<{ posted: string[] }>('cards/erp-1.json')?.posted).toEqual([])
    const report = await call('giftcardReconcile', 'POST', {}, {})
    expect(body(report).cards).toEqual([{ cardId: 'erp-1', posted: 0, owed: 0, adopted: 1, reopened: 0, unknown: [], driftCents: 0, refusals: [] }])
    expect(posts(erp)).toEqual([['t1:s1', 'settlement', 2500, 1]])
    expect(erp.balance('erp-1')).toBe(7500)
  })

  it('a key marked posted that the ERP lacks is posted again; a change made in the ERP is reported as drift', async () => {
    const { call, erp, kv } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 60, requestId: 's1' })
    erp.books.clear() // the ERP restored a backup from before the posting
    erp.adjustCents = -700
    const report = await call('giftcardReconcile', 'POST', {}, { cardIds: ['erp-1'] })
    expect(body(report).cards).toEqual([{ cardId: 'erp-1', posted: 1, owed: 0, adopted: 0, reopened: 1, unknown: [], driftCents: -700, refusals: [] }])
    expect(posts(erp)).toEqual([['t1:s1', 'settlement', 6000, 1]])
    expect(kv.json<{ posted: string[] }>('cards/erp-1.json')?.posted).toEqual(['t1:s1'])
  })

  it('a replica killed after its write: the retry of the same settlement posts what was left owed', async () => {
    const { call, erp } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    erp.faults = ['down'] // stands for the replica dying before its post
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 10, requestId: 's1' })
    expect(posts(erp)).toEqual([])
    const again = await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 10, requestId: 's1' })
    expect(body(again)).toMatchObject({ oid: 't1-s1' })
    expect(posts(erp)).toEqual([['t1:s1', 'settlement', 1000, 1]])
  })
})

describe('the sweep a replica runs at its first gift card call', () => {
  it('posts what a previous process left owed, once per process', async () => {
    const { call, erp, deps } = setup()
    await call('giftcardTransactions', 'POST', { id: 'erp-1' }, debit(60, 'r1'))
    erp.faults = ['down'] // the replica that settled died before posting
    await call('giftcardSettlements', 'POST', { id: 'erp-1', tid: 't1' }, { value: 60, requestId: 's1' })
    expect(erp.books.get('erp-1') ?? []).toEqual([])
    const errors: unknown[] = []
    sweepOnce(deps, (e) => errors.push(e))
    sweepOnce(deps, (e) => errors.push(e))
    for (let k = 0; k < 50 && (erp.books.get('erp-1') ?? []).length === 0; k++) await new Promise((done) => setTimeout(done, 10))
    expect((erp.books.get('erp-1') ?? []).map((p) => [p.key, p.received])).toEqual([['t1:s1', 1]])
    expect(errors).toEqual([])
  })
})
