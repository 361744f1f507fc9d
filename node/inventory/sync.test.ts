import type { VtexReservation } from '../clients/logistics'
import { planInventorySync } from './core'
import type { InventoryState } from './core'
import { reservationsOf } from './sync'

const lock = (id: string, status: number, updated: string, quantity = 2, sku = '7', warehouse = 'wh'): VtexReservation => ({
  LockId: id,
  Status: status,
  MaximumConfirmationDateUtc: '2026-12-10T00:00:00Z',
  LastUpdateDateUtc: updated,
  SlaRequest: [
    { item: { id: sku, quantity }, wareHouseId: warehouse },
    { item: { id: '8', quantity: 50 }, wareHouseId: warehouse },
  ],
})

describe('reservationsOf (§E.4, §E.5)', () => {
  it('reads authorized as authorized, a confirmed one updated since the last count as acknowledged, an older one as confirmed, the rest as nothing', () => {
    const listed = [
      lock('a', 1, '2026-12-05T00:00:00Z'),
      lock('b', 2, '2026-12-05T00:00:00Z', 3),
      lock('c', 2, '2026-12-01T00:00:00Z'),
      lock('d', 5, '2026-12-05T00:00:00Z'),
      lock('e', 4, '2026-12-05T00:00:00Z'),
      lock('f', 2, '2026-12-05T00:00:00Z', 1, '7', 'elsewhere'),
    ]
    const got = reservationsOf(7, 'wh', listed, '2026-12-02T00:00:00Z')
    expect(got).toEqual([
      { id: 'a', skuId: 7, warehouseId: 'wh', quantity: 2, status: 'authorized', expiresAt: '2026-12-10T00:00:00Z' },
      { id: 'b', skuId: 7, warehouseId: 'wh', quantity: 3, status: 'acknowledged', acknowledgedAt: '2026-12-05T00:00:00.000Z' },
      { id: 'c', skuId: 7, warehouseId: 'wh', quantity: 2, status: 'confirmed' },
    ])
    // Never counted by Ponte: any confirmed reservation may be acknowledged.
    expect(reservationsOf(7, 'wh', [lock('c', 2, '2026-12-01T00:00:00Z')], null)[0].status).toBe('acknowledged')
  })

  it('makes the core write an unchanged count that clears, and nothing once the count is older than the reservation', () => {
    const state = (countedAt: string, listed: VtexReservation[]): InventoryState => ({
      skus: [{ id: 7, refId: 'S7' }],
      warehouses: [{ id: 'wh', name: 'wh', warehouseDocks: [], isActive: true }],
      docks: [],
      entries: [{ skuId: 7, warehouseId: 'wh', totalQuantity: 10, unlimitedQuantity: false, dateUtcOnBalanceSystem: countedAt }],
      reservations: reservationsOf(7, 'wh', listed, countedAt),
    })
    const batch = { counts: [{ refId: 'S7', warehouse: 'wh', quantity: 10, dateUtcOnBalanceSystem: '2026-12-06T00:00:00Z' }] }
    const now = '2026-12-07T00:00:00Z'
    const acknowledged = planInventorySync(state('2026-12-02T00:00:00Z', [lock('b', 2, '2026-12-05T00:00:00Z')]), batch, now)
    expect(acknowledged.plan?.writes.map((w) => [w.method, w.clears])).toEqual([['patchQuantity', ['b']]])
    // Without the reservation the same newer count is only recorded (no VTEX call).
    const none = planInventorySync(state('2026-12-02T00:00:00Z', []), batch, now)
    expect(none.plan?.writes.map((w) => w.method)).toEqual(['record'])
    // Once written, the count is Ponte's last one there: the reservation is older, so the same
    // count again writes nothing.
    const again = planInventorySync(state('2026-12-06T00:00:00Z', [lock('b', 2, '2026-12-06T00:00:00Z')]), batch, now)
    expect(again.plan?.writes).toEqual([])
  })
})
