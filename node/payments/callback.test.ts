import type { AccountAnswer, ErpCreditApi, HoldAnswer } from '../clients/erpCredit'
import type { GatewayCallbackApi } from '../clients/paymentGateway'
import { FakeKv } from '../test-support/fakeKv'
import type { PendingCallback } from './callback'
import { CALLBACK_MAX_AGE_MS, backoffMs, callbackUrlOf, deliver, followUp, rememberCallback, resumeCallbacks } from './callback'
import type { PaymentsDeps } from './flow'
import { authorize, cancel } from './flow'
import { parsePaymentsSettings } from './settings'

const URL_OK = 'https://acme.vtexpayments.com.br/api/pvt/payment-provider/transactions/T1/payments/P1/callback?accountName=acme&X-VTEX-signature=ABCDEF0123'

/** An ERP that can be down, with one limit for one customer. */
class Erp implements ErpCreditApi {
  public down = true
  public limit = 10_000
  public holds = new Map<string, number>()
  public async account(_e: string, _t: string | null, customer: string, holdId: string): Promise<AccountAnswer> {
    if (this.down) return { kind: 'unavailable' }
    const open = [...this.holds.values()].reduce((a, b) => a + b, 0)
    const h = this.holds.get(holdId)
    return { kind: 'account', account: { customer, limit: this.limit, openHolds: open, unpaidInvoices: 0, blocked: false, currency: 'BRL', existingHold: h ? { holdId, value: h } : null } }
  }
  public async hold(_e: string, _t: string | null, _c: string, holdId: string, value: number): Promise<HoldAnswer> {
    if (this.down) return { kind: 'unavailable' }
    if (!this.holds.has(holdId)) this.holds.set(holdId, value)
    return { kind: 'placed' }
  }
  public async perform(): Promise<boolean> {
    return !this.down
  }
}

class Gateway implements GatewayCallbackApi {
  public calls: Array<{ url: string; answer: Record<string, unknown> }> = []
  public status = 200
  public async callback(url: string, answer: unknown): Promise<number> {
    this.calls.push({ url, answer: answer as Record<string, unknown> })
    return this.status
  }
}

function setup() {
  let clock = 1_000_000
  const kv = new FakeKv()
  const erp = new Erp()
  const deps: PaymentsDeps = {
    kv,
    erp,
    settings: parsePaymentsSettings({ erpEndpoint: 'https://erp.example', paymentsTuning: { callbackFirstMs: 1000, callbackMaxMs: 8000 } }),
    now: () => clock,
    logger: { warn: () => undefined, error: () => undefined },
  }
  return { kv, erp, deps, gw: new Gateway(), advance: (ms: number) => (clock += ms) }
}

const body = (paymentId = 'P1', callbackUrl: string = URL_OK) => ({ paymentId, value: 40, currency: 'BRL', callbackUrl, miniCart: { buyer: { document: 'C1' } } })

describe('payments callbackUrl', () => {
  it('takes only the gateway callback URL with its signature', () => {
    expect(callbackUrlOf(body())).toBe(URL_OK)
    // The protocol's OpenAPI example (the gateway's own host, clients/paymentGateway.ts).
    const openApiExample =
      'https://gatewayqa.vtexpayments.com.br/api/pvt/payment-provider/transactions/8FB0F111111122222333344449984ACB/payments/A2A9A25B11111111222222333327883C/callback?accountName=teampaymentsintegrations&X-VTEX-signature=Rabcdeftk'
    expect(callbackUrlOf(body('P1', openApiExample))).toBe(openApiExample)
    expect(callbackUrlOf(body('P1', URL_OK.replace('vtexpayments.com.br', 'evil.example')))).toBeNull()
    expect(callbackUrlOf(body('P1', URL_OK.replace('X-VTEX-signature=ABCDEF0123', 'x=1')))).toBeNull()
    expect(callbackUrlOf(body('P1', URL_OK.replace('ABCDEF0123', 'A'.repeat(33))))).toBeNull()
    expect(callbackUrlOf({ paymentId: 'P1' })).toBeNull()
  })

  it('backs off from the first delay, doubling up to the maximum', () => {
    const { deps } = setup()
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(deps, a))).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
  })

  it('keeps an undefined answer pending, posts the exact decided answer once the ERP answers, then forgets it', async () => {
    const { kv, erp, deps, gw, advance } = setup()
    const first = await authorize(deps, body())
    expect(first.answer.status).toBe('undefined')
    const pending = await rememberCallback(deps, body(), 'P1')
    expect(pending).toMatchObject({ paymentId: 'P1', attempts: 0, nextAt: 1_000_000 + 1000 })
    // A retried create does not restart the backoff.
    advance(500)
    expect((await rememberCallback(deps, body(), 'P1'))?.nextAt).toBe(1_001_000)
    // Still down: waiting, the next try later.
    expect(await deliver(deps, gw, 'P1')).toBe('waiting')
    expect(gw.calls).toEqual([])
    expect(kv.json<PendingCallback>('callbacks/P1.json')).toMatchObject({ attempts: 1, nextAt: 1_000_500 + 2000 })
    // The ERP answers: approved, and the callback carries the create's answer as a repeated create gives it.
    erp.down = false
    advance(2000)
    expect(await deliver(deps, gw, 'P1')).toBe('delivered')
    const again = await authorize(deps, body())
    expect(gw.calls).toEqual([{ url: URL_OK, answer: JSON.parse(JSON.stringify(again.answer)) }])
    expect(gw.calls[0].answer).toMatchObject({ paymentId: 'P1', status: 'approved', authorizationId: 'P1' })
    expect(kv.json('callbacks/P1.json')).toBeNull()
    expect(erp.holds.size).toBe(1)
    expect(await deliver(deps, gw, 'P1')).toBe('dropped')
  })

  it('tries again when the gateway does not take it, and drops what the gateway refuses for good', async () => {
    const { kv, erp, deps, gw } = setup()
    const audited: string[] = []
    deps.audit = async (operation, paymentId, _orderId, outcome) => {
      audited.push(`${operation} ${paymentId} ${outcome}`)
    }
    await authorize(deps, body())
    await rememberCallback(deps, body(), 'P1')
    erp.down = false
    gw.status = 503
    expect(await deliver(deps, gw, 'P1')).toBe('waiting')
    gw.status = 0
    expect(await deliver(deps, gw, 'P1')).toBe('waiting')
    expect(kv.json<PendingCallback>('callbacks/P1.json')?.attempts).toBe(2)
    gw.status = 401
    expect(await deliver(deps, gw, 'P1')).toBe('dropped')
    expect(kv.json('callbacks/P1.json')).toBeNull()
    expect(gw.calls).toHaveLength(3)
    expect(audited).toEqual(['paymentCallback P1 HTTP_503', 'paymentCallback P1 HTTP_0', 'paymentCallback P1 HTTP_401'])
  })

  it('drops the callback of a payment cancelled meanwhile or too old', async () => {
    const { kv, deps, gw, advance } = setup()
    await authorize(deps, body('P1'))
    await rememberCallback(deps, body('P1'), 'P1')
    // The record is cancelled first; the ERP (down) is asked again on the gateway's retry.
    await cancel(deps, 'P1', { paymentId: 'P1', requestId: 'c1' }).catch(() => undefined)
    expect(await deliver(deps, gw, 'P1')).toBe('dropped')
    await authorize(deps, body('P2'))
    await rememberCallback(deps, body('P2'), 'P2')
    advance(CALLBACK_MAX_AGE_MS + 1)
    expect(await deliver(deps, gw, 'P2')).toBe('dropped')
    expect(gw.calls).toEqual([])
    expect([...kv.files.keys()].filter((k) => k.startsWith('callbacks/'))).toEqual([])
  })

  it('survives the replica: another one resumes what is due, and only that', async () => {
    const { erp, deps, gw, advance } = setup()
    for (const id of ['P1', 'P2']) {
      await authorize(deps, body(id))
      await rememberCallback(deps, body(id), id)
    }
    erp.down = false
    expect(await resumeCallbacks(deps, gw)).toEqual({ delivered: 0, waiting: 0, dropped: 0, busy: 0 })
    advance(1000)
    expect(await resumeCallbacks(deps, gw)).toEqual({ delivered: 2, waiting: 0, dropped: 0, busy: 0 })
    expect(gw.calls.map((c) => c.answer.paymentId)).toEqual(['P1', 'P2'])
    expect(await resumeCallbacks(deps, gw)).toEqual({ delivered: 0, waiting: 0, dropped: 0, busy: 0 })
  })

  it('follows up in the background until delivered, sleeping each backoff', async () => {
    const { erp, deps, gw, advance } = setup()
    await authorize(deps, body())
    await rememberCallback(deps, body(), 'P1')
    const slept: number[] = []
    const outcome = await followUp(deps, gw, 'P1', async (ms) => {
      slept.push(ms)
      advance(ms)
      if (slept.length === 3) erp.down = false
    })
    expect(outcome).toBe('delivered')
    expect(slept).toEqual([1000, 2000, 4000])
    expect(gw.calls).toHaveLength(1)
  })
})
