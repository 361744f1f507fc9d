import type { ErpGiftCard, ProvidersErp } from '../clients/erpProviders'
import { parseProviderSettings } from '../lib/providers'
import type { ProviderReply } from '../lib/providers'
import { FakeKv } from '../test-support/fakeKv'
import { handle } from './handlers'
import type { GiftCardDeps } from './store'

const settings = parseProviderSettings({ providerAppKey: 'k', providerAppToken: 't', erpEndpoint: 'https://erp.example' })

class FakeErp implements ProvidersErp {
  public calls = 0
  constructor(public cards: ErpGiftCard[]) {}
  async cardsOf(_e: string, _t: string | null, q: { owner?: string; code?: string }) {
    this.calls++
    return this.cards.filter((c) => (q.owner && c.ownerId === q.owner) || (q.code && c.redemptionCode === q.code))
  }
  async card(_e: string, _t: string | null, id: string) {
    this.calls++
    return this.cards.find((c) => c.id === id) ?? null
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
    const { call } = setup([])
    const created = await call('giftcards', 'POST', {}, { relationName: 'r', caption: 'c', profileId: 'p9', currencyCode: 'BRL', multipleCredits: true, multipleRedemptions: true, restrictedToOwner: false })
    expect(created.status).toBe(200)
    expect(body(created)).toMatchObject({ balance: 0, currencyCode: 'BRL' })
    expect(String(body(created).redemptionCode)).toHaveLength(16)
    const id = String(body(created).id)
    const credit = await call('giftcardTransactions', 'POST', { id }, { operation: 'Credit', value: 25, requestId: 'load', redemptionCode: body(created).redemptionCode })
    expect(credit.status).toBe(200)
    const found = await call('giftcardSearch', 'POST', {}, { client: { id: 'p9' }, cart: {} })
    expect(found.body).toEqual([expect.objectContaining({ id, balance: 25 })])
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
