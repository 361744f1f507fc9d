/**
 * The customer sync (`syncCustomers`, the `POST /_v/ponte/erp/customers` delta) on the shared
 * sync runner (sync/runner.ts): validated by the core first, then what Master Data holds for the
 * batch is read (CL by email and by document, the AD of the profiles found, Ponte's record of its
 * last writes), the core plans it (§F.4, §F.5: only the writes that change something, each CL
 * before its AD with `AD.userId` the bare CL id, creates as upserts with ids derived from the
 * account and the email), and the writes go out paced.
 *
 * **One planned write per customer.** The runner runs writes concurrently and in any order; a
 * customer's CL must land before its AD, so the unit the runner schedules is a customer: its
 * Master Data calls in the plan's order, then Ponte's record of what it wrote (VBase, bucket
 * `ponte-customers`, `written/{bare CL id}.json`: the merge's base next time, §F.4). Every call
 * is idempotent (an upsert or patch of absolute values, a delete that accepts 404), so a
 * customer whose result was lost (a replica killed mid-sync) is simply sent again; the calls
 * already made in this run are not repeated on a retry.
 *
 * **Reads.** Up to {@link SCROLL_ABOVE} lookups, `search` in OR-chunks with `REST-Range` pages
 * of 100; above it, one `scroll` over the entity (§F.2: search is meant for fewer than 10,000
 * documents, the scroll for exports) filtered here.
 *
 * **Exactly one profile per person.** A new email is created with `PATCH .../documents` and the
 * id the core derives from (account, email): two replicas (or two jobs) creating one email at the
 * same moment both upsert the same document, so Master Data ends with one CL whatever the order,
 * without any lock (VBase has no compare-and-set on create).
 *
 * Nothing here logs a document, an email or a phone number; errors carry keys (CL/AD ids).
 */
import type { MasterData, MdDocument } from '../clients/masterData'
import { anyOf } from '../clients/masterData'
import type { Kv } from '../lib/vbase'
import { pool } from '../sync/skus'
import type { Planned, SyncDomain, WriteIo } from '../sync/runner'
import type { PlannedWrite } from '../sync/store'
import type { AdDocument, ClDocument, CustomerBatch, CustomerState, CustomerWrite, WrittenCustomer } from './core'
import { masterDataCall, planCustomerSync, validateCustomers } from './core'

/** The CL fields Ponte reads and writes (§F.1; `ProfileField` in the core). */
export const CL_FIELDS = [
  'email', 'firstName', 'lastName', 'phone', 'homePhone', 'cellPhone', 'documentType', 'document', 'isCorporate',
  'corporateName', 'tradeName', 'corporateDocument', 'stateRegistration', 'isFreeStateRegistration',
  'isNewsletterOptIn', 'localeDefault', 'priceTables',
] as const
/** The AD fields Ponte reads and writes (§F.1; `AddressField` in the core). */
export const AD_FIELDS = [
  'addressName', 'addressLabel', 'addressType', 'receiverName', 'street', 'number', 'complement', 'neighborhood',
  'city', 'state', 'country', 'postalCode', 'reference',
] as const

/** Lookups above which the job scrolls the entity instead of searching (§F.2). */
export const SCROLL_ABOVE = 2000
/** Values per `_where` OR-chunk (keeps the query string short). */
const OR_CHUNK = 40

export const WRITTEN_BUCKET = 'ponte-customers'
export const writtenPath = (profileId: string) => `written/${profileId}.json`

/** The Master Data calls a customer sync makes. */
export type MasterDataApi = Pick<MasterData, 'upsert' | 'patch' | 'delete' | 'searchAll' | 'scrollAll'>

/** One customer's planned writes and Ponte's record after them. */
export interface CustomerGroup {
  customer: number
  writes: CustomerWrite[]
  /** Ponte's record to store after the writes; null when the stored one is already it. */
  written: WrittenCustomer | null
}

/** Master Data's answer without null fields (the core reads absent, not null). */
function clean<T extends MdDocument>(doc: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(doc)) if (v !== null && v !== undefined) out[k] = v
  return out as T
}

/** JSON with sorted keys, to compare records whatever order they were written in. */
export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

const chunks = <T>(list: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, (i + 1) * n))

export class CustomerSync implements SyncDomain<CustomerBatch, CustomerGroup> {
  public readonly kind = 'CUSTOMERS' as const
  /** A customer's writes carry its profile and addresses: 200 a plan file keeps each well under VBase's body limit. */
  public readonly planChunk = 200
  /** Calls already made per group key in this run (a retried group skips them). */
  private readonly progress = new Map<string, number>()

  constructor(
    private readonly md: MasterDataApi,
    private readonly records: Kv,
    private readonly account: string
  ) {}

  public size(batch: CustomerBatch): number {
    return Array.isArray(batch?.customers) ? batch.customers.length : 0
  }

  /** What Master Data holds for the lookups, and Ponte's records for the profiles found. */
  public async read(lookups: { emails: string[]; documents: Array<{ documentType: string; document: string }> }, io: WriteIo): Promise<CustomerState> {
    const { throttle, retry, concurrency } = io
    // updatedIn: Ponte's record keeps when the CL it patched was read (customers/changes.ts).
    const clFields = ['id', 'updatedIn', ...CL_FIELDS]
    const adFields = ['id', 'userId', ...AD_FIELDS]
    const byId = new Map<string, ClDocument>()
    const total = lookups.emails.length + lookups.documents.length
    if (total > SCROLL_ABOVE) {
      const emails = new Set(lookups.emails)
      const docs = new Set(lookups.documents.map((d) => d.document))
      const all = await this.md.scrollAll<MdDocument>('CL', clFields, undefined, (call) => throttle.retrying(call, retry))
      for (const d of all) {
        const c = clean(d) as unknown as ClDocument
        const email = typeof c.email === 'string' ? c.email.trim().toLowerCase() : ''
        if (emails.has(email) || (typeof c.document === 'string' && docs.has(c.document))) byId.set(c.id, c)
      }
    } else {
      const wheres = [
        ...chunks(lookups.emails, OR_CHUNK).map((c) => anyOf('email', c)),
        ...chunks(
          lookups.documents.map((d) => d.document),
          OR_CHUNK
        ).map((c) => anyOf('document', c)),
      ]
      await pool(wheres, concurrency, async (where) => {
        const found = await this.md.searchAll<MdDocument>('CL', where, clFields, (call) => throttle.retrying(call, retry))
        for (const d of found) byId.set(d.id, clean(d) as unknown as ClDocument)
      })
    }
    const profiles = [...byId.values()]
    const ids = profiles.map((p) => p.id)
    const addresses: AdDocument[] = []
    if (ids.length > SCROLL_ABOVE) {
      const wanted = new Set(ids)
      const all = await this.md.scrollAll<MdDocument>('AD', adFields, undefined, (call) => throttle.retrying(call, retry))
      for (const d of all) if (wanted.has(String(d.userId))) addresses.push(clean(d) as unknown as AdDocument)
    } else {
      await pool(chunks(ids, OR_CHUNK), concurrency, async (c) => {
        const found = await this.md.searchAll<MdDocument>('AD', anyOf('userId', c), adFields, (call) => throttle.retrying(call, retry))
        for (const d of found) addresses.push(clean(d) as unknown as AdDocument)
      })
    }
    const written: WrittenCustomer[] = []
    await pool(ids, concurrency, async (id) => {
      const got = await throttle.retrying(() => this.records.get<WrittenCustomer>(writtenPath(id)), retry)
      if (got) written.push(got.data)
    })
    return { profiles, addresses, written }
  }

  public async plan(batch: CustomerBatch, io: WriteIo): Promise<Planned<CustomerGroup>> {
    const checked = validateCustomers(batch)
    if (checked.errors.length > 0) return { ok: false, errors: checked.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) }
    const state = await this.read(checked.lookups, io)
    const answer = planCustomerSync(this.account, state, batch)
    if (!answer.plan) return { ok: false, errors: answer.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) }
    const plan = answer.plan
    const stored = new Map(state.written.map((w) => [w.profileId, stable(w)]))
    const groups = new Map<number, CustomerGroup>()
    for (const w of plan.writes) {
      const g = groups.get(w.customer) ?? { customer: w.customer, writes: [], written: null }
      g.writes.push(w)
      groups.set(w.customer, g)
    }
    // The core pushes one record per batch customer, in batch order.
    plan.written.forEach((record, customer) => {
      if (stored.get(record.profileId) === stable(record)) return
      const g = groups.get(customer) ?? { customer, writes: [], written: null }
      g.written = record
      groups.set(customer, g)
    })
    const writes: Array<PlannedWrite<CustomerGroup>> = [...groups.values()]
      .sort((a, b) => a.customer - b.customer)
      .map((g, index) => ({
        index,
        key: `customer-${plan.written[g.customer]?.profileId ?? g.customer}`,
        path: `customers[${g.customer}]`,
        write: g,
      }))
    const { customers: _customers, unchanged, ...summary } = plan.summary
    return { ok: true, writes, unchanged, summary: { ...summary, duplicates: plan.duplicates.length } }
  }

  /** A customer's calls in order (CL, then its AD), then Ponte's record. */
  public async write(planned: PlannedWrite<CustomerGroup>, io: WriteIo): Promise<void> {
    const { writes, written } = planned.write
    let done = this.progress.get(planned.key) ?? 0
    for (let i = done; i < writes.length; i++) {
      if (io.lost()) throw new Error('the job lost its lease')
      // The runner's pacer let the first call out; the others take their own turn.
      if (i > 0) await io.pacer.acquire()
      io.throttle.counters.calls += 1
      const w = writes[i]
      const call = masterDataCall(w)
      if (call.method === 'DELETE') await this.md.delete(w.entity, w.id)
      else if (w.method === 'upsert') await this.md.upsert(w.entity, call.body as Record<string, unknown> & { id: string })
      else await this.md.patch(w.entity, w.id, call.body ?? {})
      done = i + 1
      this.progress.set(planned.key, done)
    }
    if (written) await io.throttle.retrying(() => this.records.put(writtenPath(written.profileId), written), io.retry)
    this.progress.delete(planned.key)
  }
}
