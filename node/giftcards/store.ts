/**
 * Where the cards live: VBase bucket `ponte-giftcards`, one record per card (`cards/{id}.json`,
 * the whole ledger: balance, transactions, settlements, cancellations) and two indexes
 * (`owners/{owner}/{id}`, `codes/{sha256(code)}`) so that `_search` finds a shopper's cards.
 *
 * A card the ERP holds and Ponte has not seen is taken over on first use: its record is
 * created from the ERP's balance, then every command is a read, one core call, and a write
 * with If-Match (a concurrent write by another replica makes it compute again), so a hold is
 * written before VTEX gets its answer and is never counted twice (a retry with the same
 * requestId answers the first effect).
 *
 * VBase has no create-if-absent, so the first write of a record is blind: two replicas taking
 * the same card over at once both write it (the same content, from the ERP). A command waits
 * until the record is `settleMs` old before acting on it, so that a late blind write cannot
 * erase a hold (as the orders' records do, orders/README.md). Left: a takeover whose ERP read
 * takes longer than `settleMs`.
 *
 * **The ERP's books.** The ERP's balance is the balance of record; Ponte keeps the holds. Each
 * settlement, each refund (the part of a cancellation that gives back settled value) and each
 * credit the ledger holds is a posting the ERP must record exactly once, keyed
 * `{transactionId}:{requestId}` (the ERP dedupes by key). The outbox is the card record itself:
 * a posting is owed while its key is not in the record's `posted`, so it is durable the moment
 * the command's write is (before VTEX gets its answer). After each command the replica posts
 * what the card owes and writes the keys the ERP acknowledged (If-Match, merged on a
 * concurrent write). A replica killed in between, or an answer lost on the way back, leaves
 * the posting owed: it is posted again (the ERP answers the first record) at the card's next
 * command, at the first gift card call a replica serves after it starts (a sweep of the
 * `outbox/{cardId}` markers, written before the command's write), or when `_reconcile` is
 * called. Reconciling a card also reads the ERP's record of it: a key the ERP has is marked
 * posted (never posted twice), a key marked posted that the ERP lacks is owed again (never
 * lost), and the ERP's balance is compared with what the ledger expects (`driftCents`: a change
 * made in the ERP outside Ponte, reported, not applied). A card Ponte created (`POST /giftcards`)
 * is not the ERP's: its ledger is its balance of record and nothing is posted.
 */
import { createHash } from 'crypto'

import type { ErpGiftCard, ErpPosting, ProvidersErp } from '../clients/erpProviders'
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import type { Card, Command, GiftCardCommandResponse } from './core'
import { command, createCard } from './core'
import { PonteError } from '../lib/errors'
import { mapLimit } from '../lib/queue'

export const BUCKET = 'ponte-giftcards'
export const GIFTCARD_BUSY = 'GIFTCARD_BUSY_UNAVAILABLE'

const cardPath = (id: string) => `cards/${encodeURIComponent(id)}.json`
const ownerPath = (owner: string, id: string) => `owners/${encodeURIComponent(owner)}/${encodeURIComponent(id)}`
const codePath = (code: string) => `codes/${createHash('sha256').update(code).digest('hex')}`

/** What VBase holds per card. */
export interface CardRecord {
  card: Card
  /** When Ponte first wrote it (ms since the epoch). */
  createdAtMs: number
  /** The keys of the postings the ERP acknowledged. */
  posted?: string[]
  /** The ERP's balance when Ponte took the card over (null for a card Ponte created). */
  erpBaseCents?: number | null
}

export interface GiftCardDeps {
  kv: Kv
  /** How old a new record must be before a command acts on it (default 1000 ms). */
  settleMs?: number
  sleep?: (ms: number) => Promise<void>
  erp: ProvidersErp | null
  erpEndpoint: string | null
  erpToken: string | null
  now: () => string
  casAttempts?: number
}

/** A card record written for the first time, with its indexes. */
export async function saveNew(deps: GiftCardDeps, card: Card, erp?: { baseCents: number; posted: string[] }): Promise<void> {
  await deps.kv.put(cardPath(card.id), { card, createdAtMs: Date.now(), posted: erp?.posted ?? [], erpBaseCents: erp?.baseCents ?? null } satisfies CardRecord)
  if (card.ownerId) await deps.kv.put(ownerPath(card.ownerId, card.id), { id: card.id })
  await deps.kv.put(codePath(card.redemptionCode), { id: card.id })
}

function fromErp(e: ErpGiftCard, now: string): Card {
  return createCard({
    id: e.id,
    redemptionCode: e.redemptionCode,
    profileId: e.ownerId ?? null,
    caption: e.caption ?? '',
    relationName: 'erp',
    emissionDate: e.emissionDate ?? null,
    expiringDate: e.expiringDate ?? null,
    restrictedToOwner: e.restrictedToOwner ?? false,
    multipleRedemptions: e.multipleRedemptions ?? true,
    multipleCredits: e.multipleCredits ?? true,
    currencyCode: e.currencyCode,
    balanceCents: e.balanceCents,
    now,
  })
}

/**
 * The card and its ETag; taken over from the ERP when Ponte has no record yet (`known`: the
 * ERP's card as a listing just gave it, saving a read).
 */
export async function readCard(deps: GiftCardDeps, id: string, known?: ErpGiftCard): Promise<{ card: Card; etag: string | null; createdAtMs: number; record: CardRecord } | null> {
  const stored = await deps.kv.get<CardRecord>(cardPath(id))
  if (stored) return { card: stored.data.card, etag: stored.etag, createdAtMs: stored.data.createdAtMs, record: stored.data }
  if (!deps.erp || !deps.erpEndpoint) return null
  const e = known ?? (await deps.erp.card(deps.erpEndpoint, deps.erpToken, id))
  if (!e) return null
  await saveNew(deps, fromErp(e, deps.now()), { baseCents: e.balanceCents, posted: e.postings ?? [] })
  const again = await deps.kv.get<CardRecord>(cardPath(id))
  return again ? { card: again.data.card, etag: again.etag, createdAtMs: again.data.createdAtMs, record: again.data } : null
}

/** The cards `_search` considers: the owner's and the one of the typed code, Ponte's and the ERP's. */
export async function candidates(deps: GiftCardDeps, owner: string | null, code: string | null): Promise<Card[]> {
  const ids = new Set<string>()
  const listed = new Map<string, ErpGiftCard>()
  if (owner) for (const p of await deps.kv.list(`owners/${encodeURIComponent(owner)}/`, 200)) ids.add(decodeURIComponent(p.split('/').pop() ?? ''))
  if (code) {
    const hit = await deps.kv.get<{ id: string }>(codePath(code))
    if (hit) ids.add(hit.data.id)
  }
  if (deps.erp && deps.erpEndpoint) {
    const found = [
      ...(owner ? await deps.erp.cardsOf(deps.erpEndpoint, deps.erpToken, { owner }) : []),
      ...(code ? await deps.erp.cardsOf(deps.erpEndpoint, deps.erpToken, { code }) : []),
    ]
    for (const e of found) {
      ids.add(e.id)
      listed.set(e.id, e)
    }
  }
  // In parallel (a shopper has a few cards; the first search takes them all over), in listing order.
  const read = await mapLimit([...ids].filter((id) => id), 5, (id) => readCard(deps, id, listed.get(id)))
  return read.flatMap((c) => (c ? [c.card] : []))
}

/** Runs a command on a card: read, core, write with If-Match, again on a concurrent write. */
export async function runCommand(deps: GiftCardDeps, id: string, cmd: Command): Promise<GiftCardCommandResponse | null> {
  for (let attempt = 0; attempt < (deps.casAttempts ?? 8); attempt++) {
    let current = await readCard(deps, id)
    if (!current) return null
    const young = (deps.settleMs ?? 1000) - (Date.now() - current.createdAtMs)
    if (young > 0) {
      await (deps.sleep ?? ((ms) => new Promise<void>((done) => setTimeout(done, ms))))(young)
      current = await readCard(deps, id)
      if (!current) return null
    }
    const answer = command(current.card, cmd, deps.now())
    if (answer.effect.replayed) {
      // A retry: what the first attempt left owed (a replica killed after its write) goes now.
      if (owed(current.record).length > 0) await settleBooks(deps, id)
      return answer
    }
    const owes = owed({ ...current.record, card: answer.card }).length > 0
    // The marker first: a replica killed after the card's write still leaves it to the sweep.
    if (owes && deps.erp && deps.erpEndpoint) await deps.kv.put(outboxPath(id), { id })
    try {
      await deps.kv.put(cardPath(id), { ...current.record, card: answer.card, createdAtMs: current.createdAtMs } satisfies CardRecord, current.etag ?? undefined)
    } catch (e) {
      if (!(e instanceof StaleWrite)) throw e
      continue
    }
    if (owes) await settleBooks(deps, id)
    return answer
  }
  throw new PonteError(GIFTCARD_BUSY, `card ${id} kept changing; retry`)
}

const outboxPath = (id: string) => `outbox/${encodeURIComponent(id)}`

/** Every posting the ledger holds for the ERP, in ledger order. */
export function postingsOf(card: Card): ErpPosting[] {
  const out: ErpPosting[] = []
  for (const t of card.transactions) {
    if (t.operation === 'Credit') {
      out.push({ key: `${t.id}:${t.requestId}`, kind: 'credit', valueCents: t.valueCents })
      continue
    }
    for (const m of t.settlements) out.push({ key: `${t.id}:${m.requestId}`, kind: 'settlement', valueCents: m.valueCents })
    for (const m of t.cancellations) {
      if ((m.refundedCents ?? 0) > 0) out.push({ key: `${t.id}:${m.requestId}`, kind: 'refund', valueCents: m.refundedCents ?? 0 })
    }
  }
  return out
}

/** The postings the ERP has not acknowledged (none for a card Ponte created: the ERP does not hold it). */
export function owed(record: CardRecord): ErpPosting[] {
  if (record.erpBaseCents === null) return []
  const posted = new Set(record.posted ?? [])
  return postingsOf(record.card).filter((p) => !posted.has(p.key))
}

/** Adds `acked` to the record's `posted` and drops `unposted` from it (If-Match, merged again on a concurrent write). */
async function markPosted(deps: GiftCardDeps, id: string, acked: string[], unposted: string[] = []): Promise<CardRecord | null> {
  for (let attempt = 0; attempt < (deps.casAttempts ?? 8); attempt++) {
    const stored = await deps.kv.get<CardRecord>(cardPath(id))
    if (!stored) return null
    const posted = new Set(stored.data.posted ?? [])
    for (const k of unposted) posted.delete(k)
    for (const k of acked) posted.add(k)
    const next: CardRecord = { ...stored.data, posted: [...posted] }
    if (posted.size === (stored.data.posted ?? []).length && unposted.length === 0) return next
    try {
      await deps.kv.put(cardPath(id), next, stored.etag ?? undefined)
      return next
    } catch (e) {
      if (!(e instanceof StaleWrite)) throw e
    }
  }
  return null
}

/** What a flush or a reconciliation did to one card. */
export interface BooksReport {
  cardId: string
  /** Postings the ERP acknowledged now. */
  posted: number
  /** Still owed (the ERP did not answer or refused). */
  owed: number
  /** Keys the ERP had that Ponte had not marked (an answer lost): marked, not posted again. */
  adopted: number
  /** Keys marked posted that the ERP did not have: owed again. */
  reopened: number
  /** Keys the ERP has that this ledger does not hold. */
  unknown: string[]
  /** The ERP's balance minus what the ledger expects of it (0 when the books agree). */
  driftCents: number | null
  /** The refusal codes the ERP gave. */
  refusals: string[]
}

/**
 * Posts what card `id` owes the ERP and records what it acknowledged. Never throws for the
 * ERP's sake: what is not acknowledged stays owed (and its outbox marker stays).
 */
export async function settleBooks(deps: GiftCardDeps, id: string): Promise<BooksReport | null> {
  if (!deps.erp || !deps.erpEndpoint) return null
  const stored = await deps.kv.get<CardRecord>(cardPath(id))
  if (!stored) return null
  return flush(deps, id, stored.data, { adopted: 0, reopened: 0, unknown: [], driftCents: null })
}

async function flush(deps: GiftCardDeps, id: string, record: CardRecord, base: Pick<BooksReport, 'adopted' | 'reopened' | 'unknown' | 'driftCents'>): Promise<BooksReport> {
  const acked: string[] = []
  const refusals: string[] = []
  const due = owed(record)
  for (const p of due) {
    try {
      await deps.erp?.post(deps.erpEndpoint ?? '', deps.erpToken, id, p)
      acked.push(p.key)
    } catch (e) {
      refusals.push(e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : 'ERP_UNAVAILABLE')
    }
  }
  if (acked.length > 0) await markPosted(deps, id, acked)
  const left = due.length - acked.length
  if (left === 0 && (due.length > 0 || base.adopted > 0 || base.reopened > 0 || base.driftCents !== null)) await deps.kv.delete(outboxPath(id)).catch(() => undefined)
  return { cardId: id, posted: acked.length, owed: left, refusals, ...base }
}

/**
 * Reconciles card `id` with the ERP's record of it (see the module's comment), then posts what
 * it still owes.
 */
export async function reconcile(deps: GiftCardDeps, id: string): Promise<BooksReport | null> {
  if (!deps.erp || !deps.erpEndpoint) return null
  const stored = await deps.kv.get<CardRecord>(cardPath(id))
  if (!stored) return null
  const theirs = await deps.erp.card(deps.erpEndpoint, deps.erpToken, id)
  if (!theirs) return null
  const erpKeys = new Set(theirs.postings ?? [])
  const ours = postingsOf(stored.data.card)
  const ourKeys = new Set(ours.map((p) => p.key))
  const marked = new Set(stored.data.posted ?? [])
  const adopt = ours.filter((p) => erpKeys.has(p.key) && !marked.has(p.key)).map((p) => p.key)
  const reopen = ours.filter((p) => !erpKeys.has(p.key) && marked.has(p.key)).map((p) => p.key)
  // Keys the ERP had at takeover are in `posted` without being this ledger's.
  const unknown = [...erpKeys].filter((k) => !ourKeys.has(k) && !marked.has(k))
  const record = (adopt.length > 0 || reopen.length > 0 ? await markPosted(deps, id, adopt, reopen) : stored.data) ?? stored.data
  let driftCents: number | null = null
  if (typeof record.erpBaseCents === 'number') {
    const expected = ours
      .filter((p) => erpKeys.has(p.key))
      .reduce((b, p) => (p.kind === 'settlement' ? b - p.valueCents : b + p.valueCents), record.erpBaseCents)
    driftCents = theirs.balanceCents - expected
  }
  return flush(deps, id, record, { adopted: adopt.length, reopened: reopen.length, unknown, driftCents })
}

/** Reconciles every card with an outbox marker (at most `limit`), or the given cards. */
export async function sweep(deps: GiftCardDeps, ids?: string[], limit = 200): Promise<BooksReport[]> {
  const todo = ids ?? (await deps.kv.list('outbox/', limit)).map((p) => decodeURIComponent(p.split('/').pop() ?? '')).filter((x) => x)
  const done = await mapLimit(todo, 8, (id) => reconcile(deps, id))
  return done.filter((r): r is BooksReport => r !== null)
}
