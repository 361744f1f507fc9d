/**
 * A crash at a named point, for end-to-end tests only: with `PONTE_FAULT_EXIT_AT=<point>:<id>`
 * in the service's environment, the worker that reaches `<point>` for `<id>` SIGKILLs its
 * process group (the launcher, the runtime's master and itself: no shutdown of any kind), so a
 * test can crash a replica at an exact step instead of at a moment. `PONTE_FAULT_MARKER` names a
 * file created exclusively just before: with the same variables on every replica, only the
 * first to get there dies (a retry landing on another replica, or on the restarted one, goes on).
 *
 * Points: `payment-after-hold` (payments/flow.ts: the ERP placed the hold, the record does not
 * say so yet and nothing was answered). Never set in production; unset, this is one string test.
 */
import { writeFileSync } from 'fs'

export type FaultPoint = 'payment-after-hold'

export function faultPoint(point: FaultPoint, id: string): void {
  const wanted = process.env.PONTE_FAULT_EXIT_AT
  if (!wanted || wanted !== `${point}:${id}`) return
  const marker = process.env.PONTE_FAULT_MARKER
  if (marker) {
    try {
      writeFileSync(marker, `${point}:${id} pid ${process.pid}\n`, { flag: 'wx' })
    } catch {
      return // another process got there first (or the marker cannot be written): go on
    }
  }
  try {
    // The worker's parent is the launcher, leader of the group the test spawned detached.
    process.kill(-process.ppid, 'SIGKILL')
  } catch {
    // not a group leader: the process alone
  }
  process.kill(process.pid, 'SIGKILL')
}
