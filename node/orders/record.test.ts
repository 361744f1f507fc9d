import type { OmsOrder } from '../clients/oms'
import type { Action } from '../domain/orders'
import { applyOrderAction, applyOrderEvent } from '../domain/orders'
import { foldAccepted } from './actions'
import { reconcile, reconcileInvoices, stateFromOrder } from './record'
import type { OrderRecord } from './store'

const order = (packages: unknown[], status = 'invoice'): OmsOrder =>
  ({
    orderId: 'v7pnt-01',
    status,
    value: 5000,
    lastChange: '2026-01-02T10:00:00.0000000Z',
    items: [{ id: '12', quantity: 2, price: 2500 }],
    packageAttachment: { packages },
  }) as unknown as OmsOrder

const pkg = (number: string, quantity: number, extra: Record<string, unknown> = {}) => ({
  type: 'Output',
  invoiceNumber: number,
  invoiceValue: 2500 * quantity,
  issuanceDate: '2026-01-02T09:00:00-03:00',
  items: [{ itemIndex: 0, quantity, price: 2500 }],
  trackingNumber: '',
  ...extra,
})

describe('reconcileInvoices', () => {
  it('adds an invoice VTEX has and Ponte lacks, with its tracking number', () => {
    const state = stateFromOrder(order([]))
    const next = reconcileInvoices(state, order([pkg('NF-1', 1, { trackingNumber: 'TRK-1', courier: 'C' })]))
    expect(next.invoices).toHaveLength(1)
    expect(next.invoices[0]).toMatchObject({ type: 'Output', invoiceNumber: 'NF-1', value: 2500, items: [{ index: 0, id: '12', quantity: 1, price: 2500 }] })
    expect(next.invoices[0].tracking?.trackingNumber).toBe('TRK-1')
    // Idempotent: the same package again changes nothing.
    expect(reconcileInvoices(next, order([pkg('NF-1', 1)]))).toBe(next)
  })

  it('leaves out a package that would make the state inconsistent', () => {
    const state = stateFromOrder(order([]))
    // Three units of a two-unit line; a line the order does not have; a value over the total.
    const bad = [pkg('NF-9', 3), { ...pkg('NF-8', 1), items: [{ itemIndex: 4, quantity: 1, price: 1 }] }, { ...pkg('NF-7', 1), invoiceValue: 9000 }]
    expect(reconcileInvoices(state, order(bad)).invoices).toHaveLength(0)
  })

  it('returns the state itself when Get order lists no package it lacks', () => {
    const state = stateFromOrder(order([]))
    for (const attachment of [undefined, null, { packages: null }, { packages: 'x' }, { packages: [] }]) {
      expect(reconcileInvoices(state, { ...order([]), packageAttachment: attachment } as OmsOrder)).toBe(state)
    }
  })

  // Stricter than the TypeScript this replaced, which let these through into a state the core
  // then refused on the next call (ORDER_INPUT_MALFORMED / ORDER_STATE_INVALID).
  it('leaves out a package naming one line twice beyond its quantity, and an issuance date that is not ISO 8601', () => {
    const state = stateFromOrder(order([]))
    const twice = { ...pkg('NF-6', 1), invoiceValue: 5000, items: [{ itemIndex: 0, quantity: 2 }, { itemIndex: 0, quantity: 1 }] }
    const prose = pkg('NF-5', 1, { issuanceDate: 'January 2, 2026 09:00' })
    const huge = { ...pkg('NF-4', 1), type: 'Input', items: [{ itemIndex: 0, quantity: 2 ** 32 }] }
    expect(reconcileInvoices(state, order([twice, prose, huge])).invoices).toHaveLength(0)
  })

  // Looser: a return listed before the sale it returns, and a plain date, are taken.
  it('adds Outputs before Inputs, and reads a plain issuance date as midnight UTC', () => {
    const state = stateFromOrder(order([]))
    const ret = { ...pkg('NF-R', 1), type: 'Input' }
    const next = reconcileInvoices(state, order([ret, pkg('NF-1', 1, { issuanceDate: '2026-01-02' })]))
    expect(next.invoices.map((i) => `${i.type}/${i.invoiceNumber}`)).toEqual(['Output/NF-1', 'Input/NF-R'])
    expect(next.invoices[0].issuanceDate).toBe('2026-01-02T00:00:00.000000000Z')
  })

  it('refuses a state that is not valid, with the core code', () => {
    const state = { ...stateFromOrder(order([])), total: -1 }
    expect(() => reconcileInvoices(state, order([pkg('NF-1', 1)]))).toThrow(expect.objectContaining({ code: 'ORDER_STATE_INVALID' }))
  })

  it('is part of reconcile, which also brings the status up to Get order', () => {
    const state = stateFromOrder(order([]))
    const next = reconcile(state, order([pkg('NF-1', 1)], 'invoice'), 'feed')
    expect(next.invoices.map((i) => i.invoiceNumber)).toEqual(['NF-1'])
    expect(next.status).toBe('invoice')
  })
})

describe('foldAccepted', () => {
  const RFH = '2026-01-02T10:00:00.000Z'
  const base = () => {
    const s = stateFromOrder(order([], 'ready-for-handling'))
    return applyOrderEvent(s, { orderId: s.orderId, domain: 'Fulfillment', state: 'ready-for-handling', lastState: 'window-to-cancel', currentChange: RFH, source: 'hook' })
  }
  const cancel: Action = { action: 'cancel', reason: 'ERP', requestedByUser: false }

  it("applies the action to the state it was checked on, then the events that arrived meanwhile (the action's own)", () => {
    const checked = base()
    // While the OMS answered, the hook told Ponte of the cancellation request the call caused.
    const moved = applyOrderEvent(checked, { orderId: checked.orderId, domain: 'Fulfillment', state: 'cancellation-requested', lastState: 'ready-for-handling', currentChange: '2026-01-02T10:00:05.000Z', source: 'hook' })
    const record = { state: moved } as OrderRecord
    const folded = foldAccepted(record, order([], 'cancellation-requested'), [{ action: cancel, at: '2026-01-02T10:00:05.000Z' }], { state: checked, seen: checked.timeline.length }, {})
    expect(folded.outcomes[0].expectedStatus).toBe('cancellation-requested')
    expect(folded.state.status).toBe('cancellation-requested')
    expect(folded.state.cancellation?.confirmed).toBe(false)
    // Applied on top of the event instead, the request reads as its confirmation.
    expect(applyOrderAction(moved, cancel, {}, '2026-01-02T10:00:05.000Z').outcome.expectedStatus).toBe('cancel')
  })
})
