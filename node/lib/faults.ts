/**
 * Test-only crash points. `PONTE_FAULT_EXIT_AT` lists `point:arg` parts, comma-separated:
 * - a counted point fires the `arg`-th time this process reaches it (`after-claim:3`; a bare
 *   point is its first reach);
 * - a keyed point fires when it is reached for the id `arg` (`payment-after-hold:{paymentId}`).
 *
 * Firing SIGKILLs the replica's process group (the launcher, the runtime's master and this
 * worker: no shutdown of any kind), so a test crashes a replica at an exact step instead of at
 * a moment. With `PONTE_FAULT_ONCE_FILE=path`, a point fires once for every process sharing the
 * file: the first to get there takes `path.{point}` exclusively and appends the point
 * (`point:id` when keyed) to `path`; the others go on (a retry landing on another replica, or on
 * the one started again with the same environment). Off unless the variable is set; never set
 * on VTEX IO.
 *
 * Points:
 * - `after-claim` (orders/deliver.ts: a delivery claimed, nothing sent);
 * - `after-erp-post` (orders/deliver.ts: the ERP stored the delivery, not yet marked done);
 * - `during-record-write` (orders/store.ts: an order record write sent, its answer not yet read);
 * - `payment-after-hold` (payments/flow.ts, keyed: the ERP placed the hold, the record does not
 *   say so yet and nothing was answered).
 *
 * Used by tests/orders.e2e.test.ts and tests/payments.e2e.test.ts.
 */
import { appendFileSync, writeFileSync } from 'fs'

const COUNTED = ['after-claim', 'after-erp-post', 'during-record-write'] as const
const KEYED = ['payment-after-hold'] as const
export type CountedPoint = (typeof COUNTED)[number]
export type KeyedPoint = (typeof KEYED)[number]
export type FaultPoint = CountedPoint | KeyedPoint

/** What a spec arms: a count per counted point, an id per keyed point. */
export interface Armed {
  counted: Map<CountedPoint, number>
  keyed: Map<KeyedPoint, string>
}

/** Parses `PONTE_FAULT_EXIT_AT`; a malformed part is refused at start with its text. */
export function parseFaultPoints(spec: string | undefined): Armed {
  const armed: Armed = { counted: new Map(), keyed: new Map() }
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf(':')
    const name = at < 0 ? part : part.slice(0, at)
    const arg = at < 0 ? undefined : part.slice(at + 1)
    if ((KEYED as readonly string[]).includes(name)) {
      if (!arg) throw new Error(`PONTE_FAULT_EXIT_AT: ${part} is not point:id (${name} is keyed)`)
      armed.keyed.set(name as KeyedPoint, arg)
      continue
    }
    const n = Number(arg ?? '1')
    if (!(COUNTED as readonly string[]).includes(name) || !Number.isInteger(n) || n < 1) {
      throw new Error(`PONTE_FAULT_EXIT_AT: ${part} is not point:count (points: ${[...COUNTED, ...KEYED].join(', ')})`)
    }
    armed.counted.set(name as CountedPoint, n)
  }
  return armed
}

const armed = parseFaultPoints(process.env.PONTE_FAULT_EXIT_AT)
const onceFile = process.env.PONTE_FAULT_ONCE_FILE
const reached = new Map<CountedPoint, number>()

/**
 * True when this process is the first of those sharing the once-file to fire `point`; the
 * once-file then gets a line `point` (`point:id` for a keyed point).
 */
function firstToFire(point: FaultPoint, id?: string): boolean {
  if (!onceFile) return true
  try {
    writeFileSync(`${onceFile}.${point}`, `pid ${process.pid}\n`, { flag: 'wx' })
  } catch {
    return false // another process got there first (or the marker cannot be written): go on
  }
  appendFileSync(onceFile, `${id === undefined ? point : `${point}:${id}`}\n`)
  return true
}

function die(): void {
  try {
    // The worker's parent is the launcher, leader of the group the test spawned detached.
    process.kill(-process.ppid, 'SIGKILL')
  } catch {
    // not a group leader: the process alone
  }
  process.kill(process.pid, 'SIGKILL')
}

/** Marks `point` reached (for `id` when keyed); SIGKILLs the replica when it is armed there. */
export function faultPoint(point: FaultPoint, id?: string): void {
  if ((KEYED as readonly string[]).includes(point)) {
    const key = point as KeyedPoint
    if (id === undefined || armed.keyed.get(key) !== id) return
    armed.keyed.delete(key)
  } else {
    const key = point as CountedPoint
    const at = armed.counted.get(key)
    if (at === undefined) return
    const n = (reached.get(key) ?? 0) + 1
    reached.set(key, n)
    if (n < at) return
    armed.counted.delete(key)
  }
  if (firstToFire(point, id)) die()
}

/**
 * {@link faultPoint} a moment later (2 ms: a request just started is on the wire), for a point
 * inside an operation; resolves at once when `point` is not armed.
 */
export function faultPointSoon(point: CountedPoint): Promise<void> {
  if (!armed.counted.has(point)) return Promise.resolve()
  return new Promise((done) =>
    setTimeout(() => {
      faultPoint(point)
      done()
    }, 2)
  )
}
