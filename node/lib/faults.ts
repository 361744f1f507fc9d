/**
 * Test-only crash points: `PONTE_FAULT_EXIT_AT=after-claim:3,after-erp-post:5` makes this
 * process kill itself with SIGKILL (no shutdown of any kind) the 3rd time it reaches
 * `after-claim`, the 5th time `after-erp-post`, and so on. Off unless the variable is set; never
 * set on VTEX IO. With `PONTE_FAULT_ONCE_FILE=path`, a point fires once for every process sharing
 * the file: its name is appended before the kill, and a point named there no longer fires (a
 * replica started again after its death has the same environment). Used by
 * tests/orders.e2e.test.ts to crash replicas deterministically at each risk window of the
 * orders flow.
 *
 * Points: `after-claim` (a delivery claimed, nothing sent), `after-erp-post` (the ERP stored the
 * delivery, not yet marked done), `during-record-write` (an order record write sent, its answer
 * not yet read).
 */
import { appendFileSync, existsSync, readFileSync } from 'fs'

export type FaultPoint = 'after-claim' | 'after-erp-post' | 'during-record-write'

const POINTS: readonly FaultPoint[] = ['after-claim', 'after-erp-post', 'during-record-write']

/** `name:count` pairs, comma-separated; malformed parts are refused at start. */
export function parseFaultPoints(spec: string | undefined): Map<FaultPoint, number> {
  const armed = new Map<FaultPoint, number>()
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, count] = part.split(':')
    const n = Number(count ?? '1')
    if (!POINTS.includes(name as FaultPoint) || !Number.isInteger(n) || n < 1) {
      throw new Error(`PONTE_FAULT_EXIT_AT: ${part} is not point:count (points: ${POINTS.join(', ')})`)
    }
    armed.set(name as FaultPoint, n)
  }
  return armed
}

const armed = parseFaultPoints(process.env.PONTE_FAULT_EXIT_AT)
const onceFile = process.env.PONTE_FAULT_ONCE_FILE
const reached = new Map<FaultPoint, number>()

function firedBefore(point: FaultPoint): boolean {
  return onceFile !== undefined && existsSync(onceFile) && readFileSync(onceFile, 'utf8').split('\n').includes(point)
}

/** Marks `point` reached; SIGKILLs the process when it is armed and its count is reached. */
export function faultPoint(point: FaultPoint): void {
  const at = armed.get(point)
  if (at === undefined) return
  const n = (reached.get(point) ?? 0) + 1
  reached.set(point, n)
  if (n < at) return
  armed.delete(point)
  if (firedBefore(point)) return
  if (onceFile) appendFileSync(onceFile, `${point}\n`)
  process.kill(process.pid, 'SIGKILL')
}

/**
 * {@link faultPoint} a moment later (2 ms: a request just started is on the wire), for a point
 * inside an operation; resolves at once when `point` is not armed.
 */
export function faultPointSoon(point: FaultPoint): Promise<void> {
  if (!armed.has(point)) return Promise.resolve()
  return new Promise((done) =>
    setTimeout(() => {
      faultPoint(point)
      done()
    }, 2)
  )
}
