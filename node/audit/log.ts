/**
 * The audit trail: who did what through Ponte, and how it ended.
 *
 * One JSON record per write (importCatalogBatch, startHandling, invoiceOrder, cancelOrder,
 * updateTracking, changeOrder), refusals included, in the VBase bucket `ponte-audit` at
 * `{yyyymmdd}/{hhmmssSSS}-{random}.json`: append-only (a new path per record, never rewritten),
 * ordered by time within a day, listed by day prefix.
 *
 * A record holds the actor's id (a person's email as VTEX ID confirmed it, or the app key), the
 * time, the operation, the order or job id and the outcome code (`OK`, or the refusal's code).
 * Nothing else: no token, no argument beyond the ids, no answer.
 */
import type { Clock } from '../lib/clock'
import { realClock } from '../lib/clock'
import { PonteError } from '../lib/errors'
import type { Kv } from '../lib/vbase'

export const AUDIT_BUCKET = 'ponte-audit'
export const OK = 'OK'
/** `from`/`to` that are not ISO 8601 dates, `to` before `from`, or a range over MAX_RANGE_DAYS. */
export const AUDIT_RANGE_INVALID = 'AUDIT_RANGE_INVALID'
export const MAX_RANGE_DAYS = 31
export const MAX_RECORDS = 500
/** Files listed per day at most. */
const DAY_LIMIT = 5000

export type ActorKind = 'PERSON' | 'APP_KEY' | 'UNKNOWN'

export interface AuditRecord {
  /** ISO 8601, UTC. */
  at: string
  /** The person's email, the app key, or `unknown` when the caller was not confirmed. */
  actor: string
  actorKind: ActorKind
  operation: string
  orderId: string | null
  jobId: string | null
  /** `OK`, or the stable code the caller got. */
  outcome: string
}

const DAY_MS = 24 * 60 * 60 * 1000

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const dayKey = (t: Date) => `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`
const timeKey = (t: Date) => `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}${pad(t.getUTCMilliseconds(), 3)}`

/** The instant a path stands for (its day and time), or NaN. */
function pathTime(path: string): number {
  const m = /(\d{4})(\d{2})(\d{2})\/(\d{2})(\d{2})(\d{2})(\d{3})-/.exec(path)
  if (!m) return NaN
  const [, y, mo, d, h, mi, s, ms] = m.map(Number)
  return Date.UTC(y, mo - 1, d, h, mi, s, ms)
}

function parseInstant(value: string, name: string): number {
  const t = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) {
    throw new PonteError(AUDIT_RANGE_INVALID, `${name} must be an ISO 8601 date or date and time`)
  }
  return t
}

export class AuditLog {
  constructor(
    private readonly kv: Kv,
    private readonly clock: Clock = realClock
  ) {}

  public async append(record: Omit<AuditRecord, 'at'>): Promise<AuditRecord> {
    const now = new Date(this.clock.now())
    const full: AuditRecord = { at: now.toISOString(), ...record }
    const random = Math.floor(this.clock.random() * 0xffffffff).toString(16).padStart(8, '0')
    await this.kv.put(`${dayKey(now)}/${timeKey(now)}-${random}.json`, full)
    return full
  }

  /** Records from `from` to `to` (inclusive), oldest first, at most `first` (capped at MAX_RECORDS). */
  public async list(from: string, to: string, options: { orderId?: string | null; first?: number | null } = {}): Promise<AuditRecord[]> {
    const start = parseInstant(from, 'from')
    const end = parseInstant(to, 'to')
    if (end < start) throw new PonteError(AUDIT_RANGE_INVALID, 'to is before from')
    if (end - start > MAX_RANGE_DAYS * DAY_MS) throw new PonteError(AUDIT_RANGE_INVALID, `at most ${MAX_RANGE_DAYS} days at once`)
    const first = Math.max(0, Math.min(options.first ?? 100, MAX_RECORDS))
    const found: AuditRecord[] = []
    const firstDay = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate())
    for (let day = firstDay; day <= end && found.length < first; day += DAY_MS) {
      const paths = (await this.kv.list(`${dayKey(new Date(day))}/`, DAY_LIMIT))
        .filter((p) => {
          const t = pathTime(p)
          return t >= start && t <= end
        })
        .sort()
      for (const path of paths) {
        if (found.length >= first) break
        const file = await this.kv.get<AuditRecord>(path)
        if (!file) continue
        if (options.orderId && file.data.orderId !== options.orderId) continue
        found.push(file.data)
      }
    }
    return found
  }
}
