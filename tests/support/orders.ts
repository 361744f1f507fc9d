/** Assertions the order suites share, on the simulated ERP's order stats (`GET /_sim/erp/orders/stats`). */

/** The part of the ERP's order stats the exactly-once checks read. */
export interface ErpDeliveryStats {
  handoffs: { received: number; orders: number; duplicates: number }
  statusNotifications: { duplicates: number; withoutHandoff: number }
}

/**
 * Exactly once: `orders` orders handed off to the ERP, none twice (hand-offs and status
 * notifications alike), and no status notification about an order never handed off.
 */
export function expectHandedOffOnce(erp: ErpDeliveryStats, orders: number): void {
  expect(erp.handoffs.orders).toBe(orders)
  expect(erp.handoffs.duplicates).toBe(0)
  expect(erp.handoffs.received).toBe(erp.handoffs.orders)
  expect(erp.statusNotifications.duplicates).toBe(0)
  expect(erp.statusNotifications.withoutHandoff).toBe(0)
}
