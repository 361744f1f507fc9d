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
 */
import { createHash } from 'crypto'

import type { ErpGiftCard, ProvidersErp } from '../clients/erpProviders'
import type { Kv } from '../lib/vbase'
import { StaleWrite } from '../lib/vbase'
import type { Card, Command, GiftCardCommandResponse } from './core'
import { command, createCard } from './core'
import { PonteError } from '../lib/errors'

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
export async function saveNew(deps: GiftCardDeps, card: Card): Promise<void> {
  await deps.kv.put(cardPath(card.id), { card, createdAtMs: Date.now() } satisfies CardRecord)
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

/** The card and its ETag; taken over from the ERP when Ponte has no record yet. */
export async function readCard(deps: GiftCardDeps, id: string): Promise<{ card: Card; etag: string | null; createdAtMs: number } | null> {
  const stored = await deps.kv.get<CardRecord>(cardPath(id))
  if (stored) return { card: stored.data.card, etag: stored.etag, createdAtMs: stored.data.createdAtMs }
  if (!deps.erp || !deps.erpEndpoint) return null
  const e = await deps.erp.card(deps.erpEndpoint, deps.erpToken, id)
  if (!e) return null
  await saveNew(deps, fromErp(e, deps.now()))
  const again = await deps.kv.get<CardRecord>(cardPath(id))
  return again ? { card: again.data.card, etag: again.etag, createdAtMs: again.data.createdAtMs } : null
}

/** The cards `_search` considers: the owner's and the one of the typed code, Ponte's and the ERP's. */
export async function candidates(deps: GiftCardDeps, owner: string | null, code: string | null): Promise<Card[]> {
  const ids = new Set<string>()
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
    for (const e of found) ids.add(e.id)
  }
  const cards: Card[] = []
  for (const id of ids) {
    if (!id) continue
    const c = await readCard(deps, id)
    if (c) cards.push(c.card)
  }
  return cards
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
    if (answer.effect.replayed) return answer
    try {
      await deps.kv.put(cardPath(id), { card: answer.card, createdAtMs: current.createdAtMs } satisfies CardRecord, current.etag ?? undefined)
      return answer
    } catch (e) {
      if (!(e instanceof StaleWrite)) throw e
    }
  }
  throw new PonteError(GIFTCARD_BUSY, `card ${id} kept changing; retry`)
}
