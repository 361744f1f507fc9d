import type { OmsOrder } from '../clients/oms'
import type { Action, EventWrite, OrderState } from './core'
import { applyOrderAction, reconcileOrder } from './core'
import { foldAccepted } from './actions'
import { written } from './intake'
import { newRecord, reconcile, reconcileWithOrder, stateFromOrder } from './record'
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

describe('reconcileWithOrder: invoices', () => {
  it('adds an invoice VTEX has and Ponte lacks, with its tracking number', () => {
    const state = stateFromOrder(order([]))
    const next = reconcileWithOrder(state, order([pkg('NF-1', 1, { trackingNumber: 'TRK-1', courier: 'C' })]))
    expect(next.invoices).toHaveLength(1)
    expect(next.invoices[0]).toMatchObject({ type: 'Output', invoiceNumber: 'NF-1', value: 2500, items: [{ index: 0, id: '12', quantity: 1, price: 2500 }] })
    expect(next.invoices[0].tracking?.trackingNumber).toBe('TRK-1')
    // Idempotent: the same package again changes nothing.
    expect(reconcileWithOrder(next, order([pkg('NF-1', 1)]))).toBe(next)
  })

  it('leaves out a package that would make the state inconsistent', () => {
    const state = stateFromOrder(order([]))
    // Three units of a two-unit line; a line the order does not have; a value over the total.
    const bad = [pkg('NF-9', 3), { ...pkg('NF-8', 1), items: [{ itemIndex: 4, quantity: 1, price: 1 }] }, { ...pkg('NF-7', 1), invoiceValue: 9000 }]
    expect(reconcileWithOrder(state, order(bad)).invoices).toHaveLength(0)
  })

  it('returns the state itself when Get order lists no package it lacks', () => {
    const state = stateFromOrder(order([]))
    for (const attachment of [undefined, null, { packages: null }, { packages: 'x' }, { packages: [] }]) {
      expect(reconcileWithOrder(state, { ...order([]), packageAttachment: attachment } as OmsOrder)).toBe(state)
    }
  })

  // Stricter than the TypeScript this replaced, which let these through into a state the core
  // then refused on the next call (ORDER_INPUT_MALFORMED / ORDER_STATE_INVALID).
  it('leaves out a package naming one line twice beyond its quantity, and an issuance date that is not ISO 8601', () => {
    const state = stateFromOrder(order([]))
    const twice = { ...pkg('NF-6', 1), invoiceValue: 5000, items: [{ itemIndex: 0, quantity: 2 }, { itemIndex: 0, quantity: 1 }] }
    const prose = pkg('NF-5', 1, { issuanceDate: 'January 2, 2026 09:00' })
    const huge = { ...pkg('NF-4', 1), type: 'Input', items: [{ itemIndex: 0, quantity: 2 ** 32 }] }
    expect(reconcileWithOrder(state, order([twice, prose, huge])).invoices).toHaveLength(0)
  })

  // Looser: a return listed before the sale it returns, and a plain date, are taken.
  it('adds Outputs before Inputs, and reads a plain issuance date as midnight UTC', () => {
    const state = stateFromOrder(order([]))
    const ret = { ...pkg('NF-R', 1), type: 'Input' }
    const next = reconcileWithOrder(state, order([ret, pkg('NF-1', 1, { issuanceDate: '2026-01-02' })]))
    expect(next.invoices.map((i) => `${i.type}/${i.invoiceNumber}`)).toEqual(['Output/NF-1', 'Input/NF-R'])
    expect(next.invoices[0].issuanceDate).toBe('2026-01-02T00:00:00.000000000Z')
  })

  it('refuses a state that is not valid, with the core code', () => {
    const state = { ...stateFromOrder(order([])), total: -1 }
    expect(() => reconcileWithOrder(state, order([pkg('NF-1', 1)]))).toThrow(expect.objectContaining({ code: 'ORDER_STATE_INVALID' }))
  })

  it('is part of reconcile, which also brings the status up to Get order', () => {
    const state = stateFromOrder(order([]))
    const next = reconcile(state, order([pkg('NF-1', 1)], 'invoice'), 'feed')
    expect(next.invoices.map((i) => i.invoiceNumber)).toEqual(['NF-1'])
    expect(next.status).toBe('invoice')
  })
})

describe('reconcileWithOrder: value and items', () => {
  const handling = (): OrderState => ({ ...stateFromOrder(order([], 'handling')), status: 'handling' })
  const withOrder = (over: Partial<Record<string, unknown>>, packages: unknown[] = []): OmsOrder => ({ ...order(packages, 'handling'), ...over }) as unknown as OmsOrder
  const discount = (state: OrderState, requestId: string, cents: number): OrderState =>
    applyOrderAction(state, { action: 'changeOrder', requestId, reason: 'promo', discountValue: cents, incrementValue: 0, itemsAdded: [], itemsRemoved: [] }, {}, '2026-01-02T11:00:00.000Z').state

  it("Ponte folded a discount, Get order still shows the old value → the state's total is Get order's", () => {
    const folded = discount(handling(), 'c-1', 1000)
    expect(folded.total).toBe(4000)
    // VTEX has not applied the change yet (v2 is asynchronous), or it failed or was canceled.
    const next = reconcileWithOrder(folded, withOrder({ value: 5000 }))
    expect(next.total).toBe(5000)
    // The requestId stays: the same changeOrder again is still a repeat, not a second discount.
    expect(next.changes.map((c) => c.requestId)).toEqual(['c-1'])
    expect(discount(next, 'c-1', 1000).total).toBe(5000)
    // Once VTEX applies it, Get order shows it and Ponte follows.
    expect(reconcileWithOrder(next, withOrder({ value: 4000 })).total).toBe(4000)
  })

  it("takes lines changed in VTEX (Admin, another integration): units removed, a line added", () => {
    const state = handling()
    const items = [
      { id: '12', quantity: 1, price: 2500, uniqueId: 'A' },
      { id: '34', quantity: 2, price: 700, uniqueId: 'B' },
    ]
    const next = reconcileWithOrder(state, withOrder({ value: 3900, items }, [{ ...pkg('NF-1', 1), items: [{ itemIndex: 1, quantity: 2, price: 700 }], invoiceValue: 1400 }]))
    expect(next.total).toBe(3900)
    expect(next.items).toEqual([
      { index: 0, id: '12', quantity: 1, price: 2500 },
      { index: 1, id: '34', quantity: 2, price: 700 },
    ])
    // The package on the new line is reconciled against the new lines.
    expect(next.invoices.map((i) => [i.invoiceNumber, i.items[0].id])).toEqual([['NF-1', '34']])
  })

  it('keeps its own value and items when Get order would break an invoice Ponte holds', () => {
    const invoiced = reconcileWithOrder(handling(), withOrder({}, [pkg('NF-1', 2)]))
    expect(invoiced.invoices).toHaveLength(1)
    for (const over of [
      { value: 4999 },
      { items: [{ id: '12', quantity: 1, price: 2500 }], value: 2500 },
      { items: [{ id: '99', quantity: 2, price: 2500 }] },
    ]) {
      expect(reconcileWithOrder(invoiced, withOrder(over, [pkg('NF-1', 2)]))).toBe(invoiced)
    }
  })

  it('keeps its own value or items when Get order has them malformed, and returns the state itself when nothing changed', () => {
    const state = handling()
    for (const value of [null, '4000', -1, 40.5, undefined]) {
      expect(reconcileWithOrder(state, withOrder({ value }))).toBe(state)
    }
    for (const items of [null, 'x', [], [{ id: '', quantity: 2, price: 2500 }], [{ id: '12', quantity: -1, price: 2500 }], [{ id: '12', quantity: 2, price: '2500' }], [null]]) {
      expect(reconcileWithOrder(state, withOrder({ items }))).toBe(state)
    }
    // A malformed list does not stop a well-formed value.
    expect(reconcileWithOrder(state, withOrder({ value: 4500, items: 'x' })).total).toBe(4500)
    expect(reconcileWithOrder(state, withOrder({}))).toBe(state)
  })

  it('is part of reconcile, before the status', () => {
    const next = reconcile(handling(), order([pkg('NF-1', 1)], 'invoice'), 'feed')
    expect(next.status).toBe('invoice')
    const discounted = reconcile(handling(), { ...order([], 'handling'), value: 4000 } as OmsOrder, 'feed')
    expect(discounted.total).toBe(4000)
  })
})

describe('foldAccepted', () => {
  const RFH = '2026-01-02T10:00:00.000Z'
  // The platform's word on the order's status, as a hook event dated `at` (through Get order).
  const event = (s: OrderState, status: string, at: string) => reconcileOrder(s, { ...order([], status), lastChange: at }, 'hook')
  const base = () => event(stateFromOrder(order([], 'ready-for-handling')), 'ready-for-handling', RFH)
  const cancel: Action = { action: 'cancel', reason: 'ERP', requestedByUser: false }

  it("applies the action to the state it was checked on, then the events that arrived meanwhile (the action's own)", () => {
    const checked = base()
    // While the OMS answered, the hook told Ponte of the cancellation request the call caused.
    const moved = event(checked, 'cancellation-requested', '2026-01-02T10:00:05.000Z')
    const record = { state: moved } as OrderRecord
    const folded = foldAccepted(record, order([], 'cancellation-requested'), [{ action: cancel, at: '2026-01-02T10:00:05.000Z' }], { state: checked, seen: checked.timeline.length }, {})
    expect(folded.outcomes[0].expectedStatus).toBe('cancellation-requested')
    expect(folded.state.status).toBe('cancellation-requested')
    expect(folded.state.cancellation?.confirmed).toBe(false)
    // Applied on top of the event instead, the request reads as its confirmation.
    expect(applyOrderAction(moved, cancel, {}, '2026-01-02T10:00:05.000Z').outcome.expectedStatus).toBe('cancel')
  })
})

describe('written: the outbox order', () => {
  it('keeps the hand-off first and the rest by change date, a transition heard late before later ones still owed', () => {
    const record = newRecord(order([], 'invoiced'), '2026-01-02T10:00:00.000Z', 'me')
    const owe = (deliveryId: string, kind: 'order' | 'status', status: string, changedAt: string) => ({ deliveryId, kind, status, previousStatus: null, changedAt })
    const first = written(
      record,
      {
        state: record.state,
        memory: record.memory,
        log: [],
        deliveries: [owe('o:order', 'order', 'ready-for-handling', '2026-01-02T09:00:00.000000000Z'), owe('o:status:invoiced:3', 'status', 'invoiced', '2026-01-02T09:03:00.000000000Z')],
      } as unknown as EventWrite,
      '2026-01-02T10:00:00.000Z'
    )
    const late = written(first.record, { state: record.state, memory: record.memory, log: [], deliveries: [owe('o:status:handling:1', 'status', 'handling', '2026-01-02T09:01:00.000000000Z')] } as unknown as EventWrite, '2026-01-02T10:00:01.000Z')
    expect(late.queued).toEqual(['o:status:handling:1'])
    expect(late.record.outbox.map((e) => e.deliveryId)).toEqual(['o:order', 'o:status:handling:1', 'o:status:invoiced:3'])
  })
})
