/** The orders GraphQL fields on the app's real schema, with an ERP app key and fake OMS/VBase. */
import { OmsError } from '../../clients/oms'
import { settingsCache } from '../../orders/settings'
import { testDeps, world } from '../../test-support/fakeOrders'
import { buildSchema, runQuery } from '../../test-support/graphql'
import { mockContext } from '../../test-support/mockContext'
import { FakeKv } from '../../test-support/fakeKv'
import { FakeLicenseManager, withAccess } from '../../test-support/fakeAccess'
import { FakeVtexId } from '../../test-support/vtexIdTokens'
import { ordersDepsProvider } from '../../orders/deps'

const schema = buildSchema()
const APP_KEY = 'vtexappkey-ponteunit-PONTE'
const ID = 'v3003pnt-01'

function setup(status = 'handling', licenseManager = new FakeLicenseManager().grantAll(APP_KEY)) {
  const w = world()
  const audit = new FakeKv()
  w.oms.addOrder({ orderId: ID, status, value: 5000, lastChange: '2024-03-01T10:05:00.0000000Z', items: [{ id: '12', quantity: 2, price: 2500 }] })
  ordersDepsProvider.get = async () => testDeps(w)
  const vtexId = new FakeVtexId()
  vtexId.addAppKey(APP_KEY, 'app-token')
  const run = (query: string, variables?: Record<string, unknown>, authenticated = true) =>
    runQuery(
      schema,
      withAccess(
        mockContext({ vtexId, request: { headers: authenticated ? { 'X-VTEX-API-AppKey': APP_KEY, 'X-VTEX-API-AppToken': 'app-token' } : {} } }),
        licenseManager,
        audit
      ),
      query,
      variables
    )
  return { w, run, audit }
}

const START = `mutation($id: ID!) { startHandling(orderId: $id) { orderId action expectedStatus receipt order { status timeline { cause status } } } }`
const INVOICE = `mutation($id: ID!, $inv: InvoiceInput!) { invoiceOrder(orderId: $id, invoice: $inv) { action expectedStatus receipt date order { status value invoicedValue } } }`
const invoice = (value: string, number = 'NF-1', quantity = 2) => ({
  type: 'OUTPUT',
  invoiceNumber: number,
  invoiceValue: value,
  issuanceDate: '2024-03-01T12:00:00-03:00',
  items: [{ id: '12', price: 2500, quantity }],
})

beforeEach(() => settingsCache.clear())

describe('order mutations', () => {
  it('refuses without a person or app key', async () => {
    const { w, run } = setup()
    const { errors } = await run(START, { id: ID }, false)
    expect(errors?.[0].extensions?.code).toBe('UNAUTHENTICATED')
    expect(w.oms.calls).toEqual([])
  })

  it('refuses an action in the wrong status with the core code, before any OMS call', async () => {
    const { w, run } = setup('window-to-cancel')
    const { data, errors } = await run(START, { id: ID })
    expect(data).toBeNull()
    expect(errors?.[0].extensions?.code).toBe('ORDER_NOT_READY_FOR_HANDLING')
    expect(w.oms.actionCalls()).toEqual([])
  })

  it('refuses an invoice over the order total before the OMS call', async () => {
    const { w, run } = setup('handling')
    const { errors } = await run(INVOICE, { id: ID, inv: invoice('6000') })
    expect(errors?.[0].extensions?.code).toBe('INVOICE_EXCEEDS_REMAINING')
    expect(w.oms.actionCalls()).toEqual([])
  })

  it('starts handling, predicting start-handling, and passes the OMS answer on', async () => {
    const { w, run } = setup('ready-for-handling')
    const { data, errors } = await run(START, { id: ID })
    expect(errors).toBeUndefined()
    expect(data?.startHandling).toMatchObject({ orderId: ID, action: 'startHandling', expectedStatus: 'start-handling', receipt: null })
    expect(data?.startHandling.order.status).toBe('start-handling')
    expect(w.oms.actionCalls()).toEqual([{ op: 'startHandling', orderId: ID, body: undefined }])
  })

  it('passes an OMS refusal on verbatim as OMS_REFUSED', async () => {
    const { w, run } = setup('ready-for-handling')
    const body = { error: { code: 'OMS003', message: 'Order status should be ready-for-handling to perform this action', exception: null } }
    w.oms.failures.push({ op: 'startHandling', error: new OmsError(409, body, 'oms-start-handling') })
    const { errors } = await run(START, { id: ID })
    expect(errors?.[0].extensions).toMatchObject({ code: 'OMS_REFUSED', status: 409, oms: body })
  })

  it('a 429 the client could not wait out is RATE_LIMITED; a 5xx, OMS_UNAVAILABLE', async () => {
    const { w, run } = setup('handling')
    w.oms.failures.push({ op: 'invoice', error: new OmsError(429, 'slow down', 'oms-invoice') })
    expect((await run(INVOICE, { id: ID, inv: invoice('5000') })).errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', status: 429 })
    w.oms.failures.push({ op: 'invoice', error: new OmsError(503, null, 'oms-invoice') })
    expect((await run(INVOICE, { id: ID, inv: invoice('5000') })).errors?.[0].extensions?.code).toBe('OMS_UNAVAILABLE')
  })

  it('invoices in two parts, in VTEX shape, up to invoiced', async () => {
    const { w, run } = setup('handling')
    const first = await run(INVOICE, { id: ID, inv: invoice('2500', 'NF-1', 1) })
    expect(first.errors).toBeUndefined()
    expect(first.data?.invoiceOrder).toMatchObject({ action: 'invoice', expectedStatus: 'invoice', order: { value: '5000', invoicedValue: '2500' } })
    expect(first.data?.invoiceOrder.receipt).toEqual(expect.any(String))
    expect(w.oms.actionCalls()[0].body).toEqual({
      type: 'Output',
      issuanceDate: '2024-03-01T12:00:00-03:00',
      invoiceNumber: 'NF-1',
      invoiceValue: '2500',
      items: [{ id: '12', price: 2500, quantity: 1 }],
    })
    const second = await run(INVOICE, { id: ID, inv: invoice('2500', 'NF-2', 1) })
    expect(second.data?.invoiceOrder).toMatchObject({ expectedStatus: 'invoiced', order: { status: 'invoiced', invoicedValue: '5000' } })
  })

  it('cancels with reason and requestedByUser in the body', async () => {
    const { w, run } = setup('handling')
    const { data, errors } = await run(`mutation { cancelOrder(orderId: "${ID}", reason: "no stock", requestedByUser: false) { expectedStatus } }`)
    expect(errors).toBeUndefined()
    expect(data?.cancelOrder.expectedStatus).toBe('cancellation-requested')
    expect(w.oms.actionCalls()).toEqual([{ op: 'cancel', orderId: ID, body: { reason: 'no stock', requestedByUser: false } }])
  })

  it('updateTracking checks both steps before sending either, and needs one of them', async () => {
    const { w, run } = setup('handling')
    await run(INVOICE, { id: ID, inv: invoice('5000') })
    const q = `mutation($t: TrackingInput, $e: TrackingEventsInput) { updateTracking(orderId: "${ID}", invoiceNumber: "NF-1", tracking: $t, events: $e) { action } }`
    const none = await run(q, {})
    expect(none.errors?.[0].extensions?.code).toBe('TRACKING_INPUT_EMPTY')
    const both = await run(q, {
      t: { trackingNumber: 'TRK-1', courier: 'Correios' },
      e: { isDelivered: true, deliveredDate: '2024-03-03 10:00', events: [{ city: 'Rio', state: 'RJ', description: 'delivered', date: '2024-03-03' }] },
    })
    expect(both.errors).toBeUndefined()
    expect(both.data?.updateTracking.action).toBe('updateTracking+trackingEvents')
    expect(w.oms.actionCalls().map((c) => c.op)).toEqual(['invoice', 'updateTracking', 'sendTrackingEvents'])
    expect(w.oms.actionCalls()[1].body).toEqual({ invoiceNumber: 'NF-1', trackingNumber: 'TRK-1', trackingUrl: null, courier: 'Correios', dispatchedDate: null })
  })

  it('changeOrder sends change v2 once per requestId, the requestId marked in the reason', async () => {
    const { w, run } = setup('handling')
    const q = `mutation { changeOrder(orderId: "${ID}", change: { requestId: "c1", reason: "out of stock", itemsRemoved: [{ id: "12", price: 2500, quantity: 1 }] }) { action receipt expectedStatus order { value } } }`
    const first = await run(q)
    expect(first.errors).toBeUndefined()
    expect(w.oms.actionCalls().map((c) => c.op)).toEqual(['changeOrder'])
    expect(w.oms.actionCalls()[0].body).toEqual({ reason: 'out of stock [ponte:c1]', remove: { items: [{ id: '12', quantity: 1, price: 2500 }] } })
    expect(first.data?.changeOrder.receipt).toBe('chg-1')
    expect(first.data?.changeOrder.order.value).toBe('2500')
    // The ERP retries the mutation: the history has it, nothing is sent again.
    const again = await run(q)
    expect(again.errors).toBeUndefined()
    expect(again.data?.changeOrder.receipt).toBe('chg-1')
    expect(w.oms.calls.filter((c) => c.op === 'changeOrder')).toHaveLength(1)
    // Where VTEX is with it: asked of VTEX, by the receipt.
    const status = await run(`{ orderChange(orderId: "${ID}", changeRequestId: "chg-1") { changeRequestId status inProgress reason } }`)
    expect(status.errors).toBeUndefined()
    expect(status.data?.orderChange).toEqual({ changeRequestId: 'chg-1', status: 'done', inProgress: false, reason: 'out of stock [ponte:c1]' })
    const unknown = await run(`{ orderChange(orderId: "${ID}", changeRequestId: "chg-9") { status } }`)
    expect(unknown.data?.orderChange).toBeNull()
    const bad = await run(`{ orderChange(orderId: "${ID}", changeRequestId: " ") { status } }`)
    expect(bad.errors?.[0].extensions?.code).toBe('CHANGE_REQUEST_ID_INVALID')
  })
})

describe('order query', () => {
  it('is null for an order Ponte never saw, ORDER_ID_INVALID for a bad id, the record otherwise', async () => {
    const { w, run } = setup('ready-for-handling')
    const q = `query($id: ID!) { order(id: $id) { orderId status value handedOffAt invoicedValue timeline { at status cause detail } } }`
    expect(await run(q, { id: ID })).toEqual({ data: { order: null }, errors: undefined })
    expect((await run(q, { id: 'a/b' })).errors?.[0].extensions?.code).toBe('ORDER_ID_INVALID')
    await run(START, { id: ID })
    const { data } = await run(q, { id: ID })
    expect(data?.order).toMatchObject({ orderId: ID, status: 'start-handling', value: '5000', handedOffAt: null, invoicedValue: '0' })
    expect(data?.order.timeline.map((t: { cause: string }) => t.cause)).toEqual(['event:feed', 'action:startHandling'])
    expect(w.oms.calls.filter((c) => c.op === 'getOrder')).toHaveLength(1)
  })
})

describe('per-person authorization and audit of the order mutations', () => {
  const CANCEL = `mutation($id: ID!) { cancelOrder(orderId: $id, reason: "r") { action } }`

  it('refuses an app key without the License Manager resource, before any OMS call, and records the refusal', async () => {
    const lm = new FakeLicenseManager().grant(APP_KEY, 'OMS/View order', 'OMS/Notify invoice')
    const { w, run, audit } = setup('ready-for-handling', lm)
    const { data, errors } = await run(START, { id: ID })
    expect(data).toBeNull()
    expect(errors?.[0].extensions?.code).toBe('RESOURCE_NOT_GRANTED')
    expect(errors?.[0].message).toContain('OMS "Change order workflow status"')
    expect(w.oms.actionCalls()).toEqual([])
    expect(lm.calls).toEqual([{ login: APP_KEY, resource: 'OMS/Change order workflow status' }])
    const records = [...audit.files.values()].map((f) => JSON.parse(f.body))
    expect(records).toEqual([
      { at: expect.any(String), actor: APP_KEY, actorKind: 'APP_KEY', operation: 'startHandling', orderId: ID, jobId: null, outcome: 'RESOURCE_NOT_GRANTED' },
    ])
  })

  it('accepts any one alternative: an invoice with Notify refund only', async () => {
    const { errors } = await setup('handling', new FakeLicenseManager().grant(APP_KEY, 'OMS/Notify refund')).run(INVOICE, { id: ID, inv: invoice('5000') })
    expect(errors).toBeUndefined()
  })

  it('each action asks for its own resource: cancel needs Cancel order', async () => {
    const lm = new FakeLicenseManager().grant(APP_KEY, 'OMS/Change order workflow status')
    const { w, run } = setup('ready-for-handling', lm)
    expect((await run(START, { id: ID })).errors).toBeUndefined()
    expect((await run(CANCEL, { id: ID })).errors?.[0].extensions?.code).toBe('RESOURCE_NOT_GRANTED')
    expect(w.oms.actionCalls().map((c) => c.op)).toEqual(['startHandling'])
  })

  it('never takes an unanswered License Manager for a grant', async () => {
    const lm = new FakeLicenseManager().grantAll(APP_KEY)
    lm.failWith = { status: 'failed', httpStatus: 503 }
    const { w, run } = setup('ready-for-handling', lm)
    expect((await run(START, { id: ID })).errors?.[0].extensions?.code).toBe('VTEX_REQUEST_FAILED')
    expect(w.oms.actionCalls()).toEqual([])
  })

  it('records who did what, the outcome code, and nothing else', async () => {
    const { run, audit } = setup('ready-for-handling')
    await run(START, { id: ID })
    await run(START, { id: ID })
    await run(START, { id: ID }, false)
    // In writing order (records of one millisecond sort by their random suffix).
    const records = [...audit.files.values()].map((f) => JSON.parse(f.body))
    expect(records.map((r) => [r.actor, r.operation, r.orderId, r.outcome])).toEqual([
      [APP_KEY, 'startHandling', ID, 'OK'],
      [APP_KEY, 'startHandling', ID, 'ORDER_HANDLING_ALREADY_STARTED'],
      ['unknown', 'startHandling', ID, 'UNAUTHENTICATED'],
    ])
    for (const r of records) expect(Object.keys(r).sort()).toEqual(['actor', 'actorKind', 'at', 'jobId', 'operation', 'orderId', 'outcome'])
    expect(JSON.stringify(records)).not.toContain('app-token')
  })

  it('answers the trail through auditLog, by order, behind its own resources', async () => {
    const lm = new FakeLicenseManager().grantAll(APP_KEY)
    const { run } = setup('ready-for-handling', lm)
    await run(START, { id: ID })
    const from = new Date(Date.now() - 60_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const Q = `query($f: String!, $t: String!, $o: ID) { auditLog(from: $f, to: $t, orderId: $o) { actor actorKind operation orderId jobId outcome } }`
    const { data, errors } = await run(Q, { f: from, t: to, o: ID })
    expect(errors).toBeUndefined()
    expect(data?.auditLog).toEqual([{ actor: APP_KEY, actorKind: 'APP_KEY', operation: 'startHandling', orderId: ID, jobId: null, outcome: 'OK' }])
    expect((await run(Q, { f: from, t: to, o: 'other-01' })).data?.auditLog).toEqual([])
    expect((await run(Q, { f: to, t: from })).errors?.[0].extensions?.code).toBe('AUDIT_RANGE_INVALID')
    const reader = setup('handling', new FakeLicenseManager().grant(APP_KEY, 'OMS/View order'))
    expect((await reader.run(Q, { f: from, t: to })).errors?.[0].extensions?.code).toBe('RESOURCE_NOT_GRANTED')
  })
})
