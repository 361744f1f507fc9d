import type { OmsChangeRequest } from '../clients/oms'
import { OmsError } from '../clients/oms'
import type { ChangeOrder } from './core'
import { FakeOms } from '../test-support/fakeOrders'
import { changeV2Body, findOwnChange, sendChange } from './changes'

const change = (over: Partial<ChangeOrder> = {}): ChangeOrder => ({
  requestId: 'c-7',
  reason: ' size swap ',
  discountValue: 0,
  incrementValue: 0,
  itemsAdded: [],
  itemsRemoved: [],
  ...over,
})

/** An OMS whose PATCH is applied and then answers 503 (the answer is lost on the way back). */
class LostAnswerOms extends FakeOms {
  public override async changeOrder(orderId: string, body: Record<string, unknown>): Promise<OmsChangeRequest> {
    await super.changeOrder(orderId, body)
    throw new OmsError(503, { error: 'upstream' }, 'oms-change-order')
  }
}

describe('change v2 body', () => {
  it('maps the core change to add/remove and manual values, the requestId marked at the end of the reason', () => {
    const body = changeV2Body(
      change({
        discountValue: 150,
        incrementValue: 20,
        itemsAdded: [{ id: '31', price: 990, quantity: 2 }],
        itemsRemoved: [{ id: '12', price: 2500, quantity: 1 }],
      })
    )
    expect(body).toEqual({
      reason: 'size swap [ponte:c-7]',
      add: { items: [{ id: '31', quantity: 2, price: 990 }] },
      remove: { items: [{ id: '12', quantity: 1, price: 2500 }] },
      manualDiscountValue: 150,
      manualIncrementValue: 20,
    })
  })

  it('leaves out what the change does not use', () => {
    expect(changeV2Body(change({ discountValue: 100 }))).toEqual({ reason: 'size swap [ponte:c-7]', manualDiscountValue: 100 })
  })

  it('finds only a request whose reason ends with this requestId marker', () => {
    const history = [
      { requestId: 'a', reason: 'manual change in the Admin' },
      { requestId: 'b', reason: 'size swap [ponte:c-70]' },
      { requestId: 'c', reason: 'size swap [ponte:c-7]' },
    ]
    expect(findOwnChange(history, 'c-7')?.requestId).toBe('c')
    expect(findOwnChange(history, 'c-8')).toBeNull()
  })
})

describe('sendChange', () => {
  it('finds a PATCH whose answer was lost in the history, and does not send it again', async () => {
    const oms = new LostAnswerOms()
    const receipt = await sendChange(oms, 'v1-01', change())
    expect(receipt.receipt).toBe('chg-1')
    const again = await sendChange(oms, 'v1-01', change())
    expect(again.receipt).toBe('chg-1')
    expect(oms.calls.map((c) => c.op)).toEqual(['listChanges', 'changeOrder', 'listChanges', 'listChanges'])
  })

  it('passes on a 5xx when the change is not in the history', async () => {
    const oms = new FakeOms()
    oms.failures.push({ op: 'changeOrder', error: new OmsError(502, null, 'oms-change-order') })
    await expect(sendChange(oms, 'v1-01', change())).rejects.toMatchObject({ status: 502 })
    expect(oms.calls.map((c) => c.op)).toEqual(['listChanges', 'changeOrder', 'listChanges'])
  })

  it("passes on VTEX's refusal at once, without reading the history again", async () => {
    const oms = new FakeOms()
    const refusal = { error: { code: 'CHK0124', message: 'Invalid change for order state' } }
    oms.failures.push({ op: 'changeOrder', error: new OmsError(400, refusal, 'oms-change-order') })
    await expect(sendChange(oms, 'v1-01', change())).rejects.toMatchObject({ status: 400, body: refusal })
    expect(oms.calls.map((c) => c.op)).toEqual(['listChanges', 'changeOrder'])
  })
})
