import { readFileSync } from 'fs'
import { join } from 'path'

import type { AccountAnswer, ErpCreditApi, HoldAnswer } from '../clients/erpCredit'
import { parseAccount } from '../clients/erpCredit'
import { PonteError } from '../lib/errors'
import { FakeKv } from '../test-support/fakeKv'
import type { ErpCreditAction, Payment } from './core'
import type { PaymentsDeps } from './flow'
import { ERP_UNAVAILABLE, PAYMENT_NOT_FOUND, authorize, cancel, refund, settle } from './flow'
import { customFields, paymentMethods } from './manifest'
import { FIELD_CUSTOMER_KEY, FIELD_DELAY_TO_CANCEL, coreSettings, parsePaymentsSettings } from './settings'

/** An ERP ledger in memory: one hold per id, the credit checked when holding. */
class FakeErp implements ErpCreditApi {
  public limit = 10_000
  public holds = new Map<string, { value: number; captured: number; released: boolean }>()
  public down = false
  public failPerform = 0
  public performed: ErpCreditAction[] = []
  public async account(_e: string, _t: string | null, customer: string, holdId: string): Promise<AccountAnswer> {
    if (this.down) return { kind: 'unavailable' }
    const open = [...this.holds.values()].filter((h) => !h.released).reduce((s, h) => s + h.value - h.captured, 0)
    const h = this.holds.get(holdId)
    return {
      kind: 'account',
      account: { customer, limit: this.limit, openHolds: open, unpaidInvoices: 0, blocked: false, currency: 'BRL', existingHold: h && !h.released ? { holdId, value: h.value } : null },
    }
  }
  public async hold(_e: string, _t: string | null, _c: string, holdId: string, value: number): Promise<HoldAnswer> {
    if (this.down) return { kind: 'unavailable' }
    const h = this.holds.get(holdId)
    if (h) return h.released ? { kind: 'released' } : { kind: 'placed' }
    const open = [...this.holds.values()].filter((x) => !x.released).reduce((s, x) => s + x.value - x.captured, 0)
    if (open + value > this.limit) return { kind: 'short' }
    this.holds.set(holdId, { value, captured: 0, released: false })
    return { kind: 'placed' }
  }
  public async perform(_e: string, _t: string | null, action: ErpCreditAction): Promise<boolean> {
    if (this.failPerform > 0) {
      this.failPerform -= 1
      return false
    }
    this.performed.push(action)
    return true
  }
}

function deps(kv = new FakeKv(), erp = new FakeErp()): PaymentsDeps & { kv: FakeKv; erp: FakeErp } {
  return {
    kv,
    erp,
    settings: parsePaymentsSettings({ erpEndpoint: 'https://erp.example', paymentAppKey: 'key-12345678', paymentAppToken: 'token-12345678' }),
    now: () => Date.now(),
    logger: { warn: () => undefined, error: () => undefined },
  }
}

const body = (paymentId: string, value: number) => ({ paymentId, value, currency: 'BRL', miniCart: { buyer: { document: 'C1' } } })

describe('payments flow', () => {
  it('approves, answers a repeated create from the record and holds once', async () => {
    const d = deps()
    const first = await authorize(d, body('P1', 40))
    expect(first.answer).toMatchObject({ paymentId: 'P1', status: 'approved', authorizationId: 'P1' })
    const again = await authorize(d, body('P1', 40))
    expect(again.answer).toEqual(first.answer)
    expect(d.erp.holds.size).toBe(1)
    expect(d.kv.json<Payment>('payments/P1.json')?.status).toBe('approved')
  })

  it('is undefined while the ERP is down, then decided on the retry', async () => {
    const d = deps()
    d.erp.down = true
    expect((await authorize(d, body('P1', 40))).answer.status).toBe('undefined')
    expect(d.kv.json<Payment>('payments/P1.json')?.status).toBe('undefined')
    d.erp.down = false
    d.erp.limit = 1000
    const retry = await authorize(d, body('P1', 40))
    expect(retry.answer).toMatchObject({ status: 'denied', code: 'CREDIT_LIMIT_EXCEEDED' })
  })

  it('writes again on a concurrent change (If-Match) and keeps the decision', async () => {
    const d = deps()
    const kv = d.kv
    const put = kv.putTagged.bind(kv)
    let raced = false
    kv.putTagged = async (path, data, ifMatch) => {
      if (!raced && ifMatch) {
        raced = true
        const current = kv.json<Payment>(path)
        if (current) await put(path, { ...current, attempts: current.attempts + 10 })
      }
      return put(path, data, ifMatch)
    }
    const out = await authorize(d, body('P1', 40))
    expect(out.answer.status).toBe('approved')
    expect(raced).toBe(true)
    expect(kv.json<Payment>('payments/P1.json')?.attempts).toBe(11)
  })

  it('reads the record once when the store answers its writes with their ETag, else after each write', async () => {
    const tagged = deps()
    expect((await authorize(tagged, body('P1', 40))).answer.status).toBe('approved')
    expect({ reads: tagged.kv.reads, writes: tagged.kv.writes }).toEqual({ reads: 1, writes: 2 })
    const untagged = deps()
    untagged.kv.untaggedPuts = 10
    expect((await authorize(untagged, body('P1', 40))).answer.status).toBe('approved')
    expect({ reads: untagged.kv.reads, writes: untagged.kv.writes }).toEqual({ reads: 2, writes: 2 })
    expect(untagged.kv.json<Payment>('payments/P1.json')).toEqual(tagged.kv.json<Payment>('payments/P1.json'))
  })

  it('settles and refunds within bounds, the ERP asked again on a retry of the same request', async () => {
    const d = deps()
    await authorize(d, body('P1', 40))
    d.erp.failPerform = 1
    await expect(settle(d, 'P1', { paymentId: 'P1', requestId: 's1', value: 25 })).rejects.toMatchObject({ code: ERP_UNAVAILABLE })
    // The record holds the settlement; the retry only asks the ERP again.
    const s = await settle(d, 'P1', { paymentId: 'P1', requestId: 's1', value: 25 })
    expect(s).toMatchObject({ id: 'P1-S1', value: 25 })
    expect(d.kv.json<Payment>('payments/P1.json')?.settled).toBe(2500)
    expect(d.erp.performed).toEqual([{ kind: 'capture', holdId: 'P1', requestId: 's1', value: 2500 }])
    await expect(settle(d, 'P1', { paymentId: 'P1', requestId: 's2', value: 15.01 })).rejects.toMatchObject({ code: 'PAYMENT_SETTLE_ABOVE_AUTHORIZED' })
    await expect(refund(d, 'P1', { paymentId: 'P1', requestId: 'f1', value: 25.01 })).rejects.toMatchObject({ code: 'PAYMENT_REFUND_ABOVE_SETTLED' })
    expect(await refund(d, 'P1', { paymentId: 'P1', requestId: 'f1', value: 25 })).toMatchObject({ id: 'P1-R1' })
    await expect(cancel(d, 'P1', { paymentId: 'P1', requestId: 'c1' })).rejects.toMatchObject({ code: 'PAYMENT_CANCEL_AFTER_SETTLE' })
  })

  it('refuses unknown payments, a path that names another payment, and malformed bodies', async () => {
    const d = deps()
    await expect(cancel(d, 'NOPE', { paymentId: 'NOPE', requestId: 'c1' })).rejects.toMatchObject({ code: PAYMENT_NOT_FOUND })
    await authorize(d, body('P1', 40))
    await expect(cancel(d, 'P2', { paymentId: 'P1', requestId: 'c1' })).rejects.toMatchObject({ code: 'PAYMENT_ID_MISMATCH' })
    await expect(authorize(d, { paymentId: 'P3' })).rejects.toBeInstanceOf(PonteError)
    await expect(authorize(d, { paymentId: 'P3' })).rejects.toMatchObject({ code: 'PAYMENT_REQUEST_MALFORMED' })
    await expect(authorize(d, { paymentId: '../x', value: 1 })).rejects.toMatchObject({ code: 'PAYMENT_ID_INVALID' })
  })
})

describe('payments settings', () => {
  it('reads the custom fields VTEX sends as merchantSettings', () => {
    expect(
      coreSettings([
        { name: FIELD_DELAY_TO_CANCEL, value: '30' },
        { name: FIELD_CUSTOMER_KEY, value: 'email' },
        { name: 'unknown', value: '1' },
      ])
    ).toEqual({ delayToCancel: 1800, customerKey: 'email' })
    expect(coreSettings(null)).toEqual({})
  })

  it('refuses short credentials and keeps the ERP budget under the 5 s answer', () => {
    const s = parsePaymentsSettings({ paymentAppKey: 'short', paymentAppToken: 'long-enough-token', paymentsTuning: { erpBudgetMs: 60000 } })
    expect(s.appKey).toBeNull()
    expect(s.appToken).toBe('long-enough-token')
    expect(s.erpBudgetMs).toBe(4000)
  })

  it('answers the methods and custom fields configuration.json declares', () => {
    const config = JSON.parse(readFileSync(join(__dirname, '..', '..', 'paymentProvider', 'configuration.json'), 'utf8')) as Record<string, unknown>
    expect(config.paymentMethods).toEqual(paymentMethods)
    expect(config.customFields).toEqual(customFields)
  })

  it('reads only well-formed ERP accounts', () => {
    expect(parseAccount({ limit: 1, openHolds: 0, unpaidInvoices: 0 }, 'C')).toMatchObject({ customer: 'C', limit: 1, existingHold: null })
    expect(parseAccount({ limit: -1, openHolds: 0, unpaidInvoices: 0 }, 'C')).toBeNull()
    expect(parseAccount({ limit: 1.5, openHolds: 0, unpaidInvoices: 0 }, 'C')).toBeNull()
    expect(parseAccount('x', 'C')).toBeNull()
  })
})
