/** The OMS client's retries and error shape, with its HTTP layer stubbed. */
import type { IOContext } from '@vtex/api'

import { DEFAULT_RETRY } from '../lib/retry'
import { testClock } from '../test-support/fakeOrders'
import { Oms, OmsError } from './oms'

type Answer = { status: number; data?: unknown; headers?: Record<string, string> } | { code: string }

/** An Oms whose http answers from a script; records each request. */
function scripted(answers: Answer[]) {
  const clock = testClock(0)
  const oms = new Oms({ account: 'ponte', workspace: 'master', authToken: 'tok', userAgent: 'test', region: 'local' } as unknown as IOContext, {
    clock,
    retry: { ...DEFAULT_RETRY, maxAttempts: 3 },
  })
  const requests: Array<{ method: string; url: string; data?: unknown; config?: { params?: unknown } }> = []
  const respond = async (method: string, url: string, data?: unknown, config?: { params?: unknown }) => {
    requests.push({ method, url, data, config })
    const a = answers.shift() ?? { status: 200, data: {} }
    if ('code' in a) throw Object.assign(new Error('socket hang up'), { code: a.code, config: { headers: { VtexIdclientAutCookie: 'tok' } } })
    if (a.status >= 400) {
      throw Object.assign(new Error(`Request failed with status code ${a.status}`), {
        response: { status: a.status, data: a.data, headers: a.headers ?? {} },
        config: { headers: { VtexIdclientAutCookie: 'tok' } },
      })
    }
    return a.data
  }
  ;(oms as unknown as { http: unknown }).http = {
    get: (url: string, config: { params?: unknown }) => respond('GET', url, undefined, config),
    post: (url: string, data: unknown) => respond('POST', url, data),
    put: (url: string, data: unknown) => respond('PUT', url, data),
    patch: (url: string, data: unknown) => respond('PATCH', url, data),
  }
  return { oms, requests, clock }
}

const refusal = { error: { code: 'OMS003', message: 'Order status should be ready-for-handling to perform this action', exception: null } }

describe('Oms', () => {
  it("waits a 429's Retry-After, then succeeds", async () => {
    const { oms, requests, clock } = scripted([
      { status: 429, data: 'slow down', headers: { 'Retry-After': '7' } },
      { status: 429, data: 'slow down', headers: { 'retry-after': '2' } },
      { status: 200, data: { orderId: 'v1-01', status: 'handling', value: 10 } },
    ])
    const order = await oms.getOrder('v1-01')
    expect(order?.status).toBe('handling')
    expect(requests).toHaveLength(3)
    expect(clock.slept).toEqual([7000, 2000])
  })

  it('retries a 429 even for cancel, but never a 5xx of cancel or start-handling', async () => {
    const { oms, requests } = scripted([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 200, data: { receipt: 'r1' } }])
    await expect(oms.cancel('v1-01', { reason: 'no stock', requestedByUser: false })).resolves.toEqual({ receipt: 'r1' })
    expect(requests.map((r) => r.data)).toEqual([
      { reason: 'no stock', requestedByUser: false },
      { reason: 'no stock', requestedByUser: false },
    ])
    const once = scripted([{ status: 503, data: 'down' }])
    await expect(once.oms.cancel('v1-01', {})).rejects.toMatchObject({ status: 503, body: 'down' })
    expect(once.requests).toHaveLength(1)
    const start = scripted([{ code: 'ECONNRESET' }])
    await expect(start.oms.startHandling('v1-01')).rejects.toMatchObject({ status: 0, reason: 'ECONNRESET' })
    expect(start.requests).toHaveLength(1)
  })

  it('backs off and retries a 5xx of an idempotent call, bounded', async () => {
    const { oms, requests, clock } = scripted([{ status: 502 }, { status: 500 }, { status: 500, data: { error: 'still down' } }])
    const err = await oms.invoice('v1-01', { invoiceNumber: 'NF-1' }).catch((e) => e)
    expect(err).toBeInstanceOf(OmsError)
    expect(err).toMatchObject({ status: 500, body: { error: 'still down' }, operation: 'oms-invoice' })
    expect(requests).toHaveLength(3)
    expect(clock.slept).toHaveLength(2)
  })

  it('passes a refusal on at once with its body verbatim, and keeps no request', async () => {
    const { oms, requests } = scripted([{ status: 409, data: refusal }])
    const err = await oms.startHandling('v1-01').catch((e) => e)
    expect(err).toMatchObject({ status: 409, body: refusal })
    expect(requests).toHaveLength(1)
    expect(JSON.stringify(err)).not.toContain('tok')
    expect(Object.keys(err)).not.toContain('config')
  })

  it('getOrder answers null on 404; the feed asks for at most 10 and commits handles', async () => {
    const { oms, requests } = scripted([{ status: 404, data: 'not found' }, { status: 200, data: [{ handle: 'h' }] }, { status: 200 }])
    expect(await oms.getOrder('v9-01')).toBeNull()
    expect(await oms.takeFeed(50)).toEqual([{ handle: 'h' }])
    await oms.commitFeed(['h'])
    expect(requests[1]).toMatchObject({ method: 'GET', url: '/api/orders/feed', config: { params: { maxlot: 10 } } })
    expect(requests[2]).toMatchObject({ method: 'POST', url: '/api/orders/feed', data: { handles: ['h'] } })
  })

  it('encodes ids into paths', async () => {
    const { oms, requests } = scripted([{ status: 200, data: {} }])
    await oms.updateTracking('v1-01', 'NF 1', { trackingNumber: 'T' })
    expect(requests[0]).toMatchObject({ method: 'PATCH', url: '/api/oms/pvt/orders/v1-01/invoice/NF%201' })
  })
})
