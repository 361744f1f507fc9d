/**
 * VTEX to ERP: customers created or changed in VTEX (a storefront sign-up, a My Account edit, an
 * admin's edit) reach the ERP once per change.
 *
 * **Pulled by `updatedIn`** (ARCHITECTURE.md, "Customers": Master Data v1 triggers are set up in
 * the admin UI, not by API; search with `_where` on `updatedIn` and `_sort` is documented, §F.2).
 * {@link pullCustomerChanges} searches CL with `updatedIn>={watermark}` sorted `updatedIn ASC`,
 * pages of 100 (`REST-Range`), and handles each document in that order:
 *
 * - **Echo suppression.** Ponte's record of its last write to the CL (bucket
 *   `ponte-customers`, `written/{id}.json`, customers/sync.ts) keeps the whole CL as that write
 *   left it (`after`: the fields Ponte sent and every other field as Ponte read it), a create's
 *   as well as a PATCH's. A document whose CL fields equal it is Ponte's own write and is
 *   skipped, provided the version Ponte read before a PATCH (`readUpdatedIn`) was already
 *   handled by the pull (older than the cursor, or at its instant and among its ids): a change
 *   someone else made just before Ponte patched over it is delivered, not swallowed (more,
 *   never fewer, deliveries). Address writes touch AD only, never the CL this pull reads, so
 *   they cannot echo. A record from before `after` existed compares its own fields.
 * - **Delivery.** `POST {erpEndpoint}/customers/changes` with `x-ponte-delivery-id:
 *   {clId}:{updatedIn}` and `{deliveryId, id, email, updatedIn, profile}`.
 * - **The cursor** (`changes/cursor.json`: the watermark and the ids handled at that instant) is
 *   advanced only after the ERP's 2xx (or the skip), one document at a time. A crash between
 *   the ERP's 2xx and the cursor's write sends the same deliveryId again, which the ERP dedupes:
 *   exactly once per change, as the ERP sees it. A refusal stops the pull; the next tick resumes
 *   from the same document.
 *
 * Documents changed in the last `settleMs` wait for a later pull (a sync writes a CL before
 * its record; the search index may lag). After each page the search is made again from the new watermark (documents changed during
 * the pull move to the end; offsets would shift), skipping the ids already handled at the
 * watermark; a page with nothing new (more than 100 documents at one instant) moves the offset
 * on.
 *
 * **One replica pulls at a time**: a lease in VBase (`changes/lease.json`), taken with the
 * record's ETag (`If-Match`) and read back, renewed after each page; a pull whose lease was
 * taken over stops at the end of its page. VBase has no compare-and-set on create, so the very
 * first pull of an account (no lease record yet) may run on two replicas at once: both then
 * send the same deliveryIds, which the ERP takes once (and the cursor only moves forward in
 * `updatedIn`, so the loser's write sends at most those deliveryIds again). The lease saves
 * work; exactly once rests on the deliveryId.
 *
 * Nothing here logs a document, an email or a phone number.
 */
import type { MasterData, MdDocument } from '../clients/masterData'
import { SEARCH_PAGE } from '../clients/masterData'
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import type { WrittenCustomer } from './core'
import { CL_FIELDS, stable, writtenPath } from './sync'

export const CURSOR_PATH = 'changes/cursor.json'
export const LEASE_PATH = 'changes/lease.json'
export const DELIVERY_HEADER = 'x-ponte-delivery-id'

/** Where the pull stands: the last `updatedIn` handled and the CL ids handled at that instant. */
export interface ChangeCursor {
  watermark: string | null
  atWatermark: string[]
}

export interface ChangeLease {
  owner: string
  expiresAt: number
}

/** What the ERP receives for one change. */
export interface CustomerChange {
  deliveryId: string
  id: string
  email: string | null
  updatedIn: string
  profile: Record<string, unknown>
}

export interface ChangesDeps {
  md: Pick<MasterData, 'search'>
  /** Bucket `ponte-customers`: Ponte's records, the cursor and the lease. */
  records: Kv
  /** true when the ERP answered 2xx. */
  deliver(change: CustomerChange): Promise<boolean>
  owner: string
  now?: () => number
  leaseMs?: number
  /** Documents handled per pull at most (a tick's budget). */
  maxDocuments?: number
  /**
   * Documents changed less than this long ago wait for the next pull: a sync writes the CL
   * first and its record after it, so a document caught in between would not yet be
   * recognised as Ponte's own (and Master Data's search index may lag its writes). 0 in tests.
   */
  settleMs?: number
  logger?: { info(m: unknown): void; warn(m: unknown): void }
}

export interface PullResult {
  /** Another replica holds the lease: nothing done. */
  skipped: 'LEASE_HELD' | null
  delivered: number
  echoes: number
  /** The ERP refused (or was unreachable): the pull stopped there. */
  failed: number
  watermark: string | null
}

const FIELDS = ['id', 'updatedIn', ...CL_FIELDS]

/** The CL fields of a document, nulls dropped (Master Data answers null for absent). */
function profileOf(doc: MdDocument): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of CL_FIELDS) {
    const v = doc[f]
    if (v !== null && v !== undefined && v !== '') out[f] = v
  }
  return out
}

/** Whether the pull has handled the version of `id` at `updatedIn`. */
function handled(cursor: ChangeCursor, id: string, updatedIn: string): boolean {
  if (!cursor.watermark) return false
  const [at, mark] = [Date.parse(updatedIn), Date.parse(cursor.watermark)]
  return at < mark || (updatedIn === cursor.watermark && cursor.atWatermark.includes(id))
}

/** The document is exactly what Ponte's last write left, over a version the pull already handled. */
export function isEcho(doc: MdDocument, written: WrittenCustomer | null, cursor: ChangeCursor = { watermark: null, atWatermark: [] }): boolean {
  if (!written) return false
  const ours: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(written.after ?? written.profile ?? {})) if (v !== null && v !== undefined && v !== '') ours[k] = v
  if (stable(profileOf(doc)) !== stable(ours)) return false
  return !written.after || !written.readUpdatedIn || handled(cursor, doc.id, written.readUpdatedIn)
}

/** Takes (or renews) the lease; false when another owner holds a live one. */
async function takeLease(deps: ChangesDeps, now: number): Promise<boolean> {
  const leaseMs = deps.leaseMs ?? 60000
  const held = await deps.records.get<ChangeLease>(LEASE_PATH)
  if (held && held.data.owner !== deps.owner && held.data.expiresAt > now) return false
  try {
    await deps.records.put(LEASE_PATH, { owner: deps.owner, expiresAt: now + leaseMs }, held?.etag ?? undefined)
  } catch (e) {
    if (e instanceof StaleWrite) return false
    throw e
  }
  const check = await deps.records.get<ChangeLease>(LEASE_PATH)
  return check?.data.owner === deps.owner
}

async function releaseLease(deps: ChangesDeps): Promise<void> {
  const held = await deps.records.get<ChangeLease>(LEASE_PATH)
  if (held?.data.owner !== deps.owner) return
  await deps.records.put(LEASE_PATH, { owner: deps.owner, expiresAt: 0 }, held.etag ?? undefined).catch(() => undefined)
}

/** One pull: every change since the watermark delivered (or skipped as Ponte's own), in order. */
export async function pullCustomerChanges(deps: ChangesDeps): Promise<PullResult> {
  const now = deps.now ?? Date.now
  const result: PullResult = { skipped: null, delivered: 0, echoes: 0, failed: 0, watermark: null }
  if (!(await takeLease(deps, now()))) return { ...result, skipped: 'LEASE_HELD' }
  try {
    const cursor: ChangeCursor = (await deps.records.get<ChangeCursor>(CURSOR_PATH))?.data ?? { watermark: null, atWatermark: [] }
    result.watermark = cursor.watermark
    const budget = deps.maxDocuments ?? 1000
    let handled = 0
    let from = 0
    for (;;) {
      const where = cursor.watermark ? `updatedIn>=${cursor.watermark}` : 'updatedIn is not null'
      const page = await deps.md.search<MdDocument>('CL', where, FIELDS, from, SEARCH_PAGE, 'updatedIn ASC')
      const seen = new Set(cursor.atWatermark)
      const fresh = page.documents.filter((d) => typeof d.updatedIn === 'string' && !(d.updatedIn === cursor.watermark && seen.has(d.id)))
      const settled = new Date(now() - (deps.settleMs ?? 0)).toISOString()
      for (const doc of fresh) {
        if (handled >= budget) return result
        const updatedIn = String(doc.updatedIn)
        // Sorted by updatedIn: everything from here on is too recent.
        if ((deps.settleMs ?? 0) > 0 && !(Date.parse(updatedIn) <= Date.parse(settled))) return result
        const written = (await deps.records.get<WrittenCustomer>(writtenPath(doc.id)))?.data ?? null
        if (isEcho(doc, written, cursor)) {
          result.echoes += 1
        } else {
          const profile = profileOf(doc)
          const deliveryId = `${doc.id}:${updatedIn}`
          const ok = await deps.deliver({ deliveryId, id: doc.id, email: typeof profile.email === 'string' ? profile.email : null, updatedIn, profile })
          if (!ok) {
            result.failed += 1
            deps.logger?.warn({ message: 'customers: the ERP did not take a change; the next pull sends it again', id: doc.id })
            return result
          }
          result.delivered += 1
        }
        if (updatedIn === cursor.watermark) cursor.atWatermark.push(doc.id)
        else {
          cursor.watermark = updatedIn
          cursor.atWatermark = [doc.id]
        }
        await deps.records.put(CURSOR_PATH, cursor)
        result.watermark = cursor.watermark
        handled += 1
      }
      if (page.documents.length < SEARCH_PAGE) return result
      // Nothing new on a full page: more than a page of documents share the watermark's instant.
      from = fresh.length === 0 ? from + SEARCH_PAGE : 0
      if (!(await takeLease(deps, now()))) return result
    }
  } finally {
    await releaseLease(deps)
  }
}
