/**
 * The Gift Card Provider Protocol's routes (§G.2), as handlers over plain requests:
 *
 * | route | method | answer |
 * |---|---|---|
 * | `/giftcards/_search` (`REST-Range`) | POST | `[{id, provider, balance, _self}]`, header `REST-Content-Range` |
 * | `/giftcards` | POST | the new card (balance 0) |
 * | `/giftcards/:id` | GET | the card |
 * | `/giftcards/:id/transactions` | POST, GET | `{cardId, id, _self}`; the list |
 * | `/giftcards/:id/transactions/:tid` | GET | the transaction |
 * | `.../:tid/authorization` | GET | `{oid, value, date}` |
 * | `.../:tid/settlements`, `.../:tid/cancellations` | POST, GET | `{oid, value, date}`; the list |
 * | `/giftcards/_reconcile` (Ponte's, not the protocol's) | POST | `{cards: [BooksReport]}` |
 *
 * `_reconcile` (`{cardIds?}`, at most 200; default: up to 200 cards with an outbox marker) reconciles the cards'
 * postings with the ERP's books (store.ts). The first gift card call a replica serves after
 * it starts also sweeps the outbox, after answering.
 * Every answer has the media type `application/vnd.vtex.giftcards.v1+json`. Refusals answer
 * `{code, message}`: 404 for an unknown card or transaction, 409 for a requestId reused for
 * another command, 400 otherwise; nothing changes. Hrefs are relative to the route's base
 * (`/_v/ponte/giftcards`), as VTEX's examples show them relative to the provider's URL.
 */
import { randomBytes } from 'crypto'

import type { ProviderReply, ProviderRequest, ProviderSettings } from '../lib/providers'
import { refusal, reply } from '../lib/providers'
import { PonteError } from '../lib/errors'
import type { Card, Command } from './core'
import { createCard, search, view } from './core'
import type { GiftCardDeps } from './store'
import { candidates, readCard, runCommand, saveNew, sweep } from './store'

export const MEDIA_TYPE = 'application/vnd.vtex.giftcards.v1+json'
export const BASE = '/_v/ponte/giftcards'

const NOT_FOUND = new Set(['GIFTCARD_NOT_FOUND', 'GIFTCARD_TRANSACTION_NOT_FOUND'])

/** The HTTP status of a core refusal. */
export function statusOf(code: string): number {
  if (NOT_FOUND.has(code)) return 404
  if (code === 'GIFTCARD_REQUEST_ID_CONFLICT') return 409
  if (code.endsWith('_UNAVAILABLE')) return 503
  return 400
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

const notFound = (id: string) => refusal(404, 'GIFTCARD_NOT_FOUND', `no gift card ${id}`)

async function cardOr404(deps: GiftCardDeps, id: string): Promise<Card | ProviderReply> {
  const c = await readCard(deps, id)
  return c ? c.card : notFound(id)
}

const isReply = (v: Card | ProviderReply): v is ProviderReply => (v as ProviderReply).status !== undefined

/** Draws a redemption code: 16 characters from an alphabet without look-alikes. */
export function drawCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')
}

/** Whether this process has started its sweep of the outbox (once per process). */
let swept = false

/** Starts the sweep of what a previous process left owed (once per process, in the background). */
export function sweepOnce(deps: GiftCardDeps, onError: (e: unknown) => void): void {
  if (swept || !deps.erp || !deps.erpEndpoint) return
  swept = true
  setTimeout(() => {
    sweep(deps).catch(onError)
  }, 0).unref()
}

export async function handle(route: string, deps: GiftCardDeps, settings: ProviderSettings, req: ProviderRequest): Promise<ProviderReply> {
  try {
    return await dispatch(route, deps, settings, req)
  } catch (e) {
    if (e instanceof PonteError) return refusal(statusOf(e.code), e.code, e.message)
    throw e
  }
}

async function dispatch(route: string, deps: GiftCardDeps, settings: ProviderSettings, req: ProviderRequest): Promise<ProviderReply> {
  const { id, tid } = req.params
  const body = obj(req.body)
  switch (`${route} ${req.method}`) {
    case 'giftcardSearch POST': {
      const client = obj(body.client)
      const code = s(obj(body.cart).redemptionCode)
      const owner = s(client.id)
      const cards = await candidates(deps, owner, code)
      const answer = search({
        cards,
        client: { id: owner, email: s(client.email), document: s(client.document) },
        redemptionCode: code,
        range: req.headers['rest-range'] ?? null,
        provider: settings.giftCardProviderName,
        baseHref: BASE,
        now: deps.now(),
      })
      return reply(200, answer.items, { 'REST-Content-Range': answer.contentRange })
    }
    case 'giftcards POST': {
      const card = createCard({
        id: `gc-${randomBytes(12).toString('hex')}`,
        redemptionCode: drawCode(),
        relationName: s(body.relationName) ?? '',
        caption: s(body.caption) ?? '',
        profileId: s(body.profileId),
        emissionDate: s(body.emissionDate),
        expiringDate: s(body.expiringDate),
        restrictedToOwner: body.restrictedToOwner === true,
        multipleRedemptions: body.multipleRedemptions === true,
        multipleCredits: body.multipleCredits === true,
        currencyCode: s(body.currencyCode) ?? '',
        balanceCents: 0,
        now: deps.now(),
      })
      await saveNew(deps, card)
      return reply(200, cardAnswer(card))
    }
    case 'giftcardReconcile POST': {
      const ids = Array.isArray(body.cardIds) ? body.cardIds.filter((x): x is string => typeof x === 'string' && x !== '').slice(0, 200) : undefined
      return reply(200, { cards: await sweep(deps, ids) })
    }
    case 'giftcard GET': {
      const c = await cardOr404(deps, id)
      return isReply(c) ? c : reply(200, cardAnswer(c))
    }
    case 'giftcardTransactions POST': {
      const op = body.operation
      if (op !== 'Debit' && op !== 'Credit') return refusal(400, 'GIFTCARD_BODY_INVALID', 'operation is Debit or Credit')
      const order = obj(body.orderInfo)
      const cmd = {
        kind: op === 'Debit' ? 'debit' : 'credit',
        value: body.value,
        requestId: body.requestId,
        redemptionCode: s(body.redemptionCode),
        redemptionToken: s(body.redemptionToken),
        clientId: s(obj(order.clientProfile).id) ?? s(obj(order.clientProfile).email),
        orderId: s(order.orderId),
        description: s(body.description) ?? '',
      } as unknown as Command
      const done = await runCommand(deps, id, cmd)
      if (!done) return notFound(id)
      const t = done.effect.transactionId
      return reply(200, { cardId: id, id: t, _self: { href: `${BASE}/${id}/transactions/${t}` } })
    }
    case 'giftcardTransactions GET': {
      const c = await cardOr404(deps, id)
      if (isReply(c)) return c
      return reply(200, view(c, `${BASE}/${id}`).transactionViews.map(transactionAnswer))
    }
    case 'giftcardTransaction GET':
    case 'giftcardAuthorization GET':
    case 'giftcardSettlements GET':
    case 'giftcardCancellations GET': {
      const c = await cardOr404(deps, id)
      if (isReply(c)) return c
      const t = view(c, `${BASE}/${id}`).transactionViews.find((v) => v.id === tid)
      if (!t) return refusal(404, 'GIFTCARD_TRANSACTION_NOT_FOUND', `no transaction ${tid} on card ${id}`)
      if (route === 'giftcardTransaction') return reply(200, transactionAnswer(t))
      if (route === 'giftcardAuthorization') return reply(200, t.authorizationRecord)
      return reply(200, route === 'giftcardSettlements' ? t.settlements : t.cancellations)
    }
    case 'giftcardSettlements POST':
    case 'giftcardCancellations POST': {
      const cmd = {
        kind: route === 'giftcardSettlements' ? 'settle' : 'cancel',
        transactionId: tid,
        value: body.value,
        requestId: body.requestId,
      } as unknown as Command
      const done = await runCommand(deps, id, cmd)
      if (!done) return notFound(id)
      const t = view(done.card, `${BASE}/${id}`).transactionViews.find((v) => v.id === tid)
      const list = route === 'giftcardSettlements' ? t?.settlements : t?.cancellations
      const m = list?.find((x) => x.oid === done.effect.movementId)
      return reply(200, m)
    }
    default:
      return refusal(405, 'METHOD_NOT_ALLOWED', `${req.method} is not served here`)
  }
}

function cardAnswer(c: Card) {
  const v = view(c, `${BASE}/${c.id}`)
  return {
    id: v.id,
    // Absent rather than null: the spec types them as strings.
    ...(v.redemptionToken ? { redemptionToken: v.redemptionToken } : {}),
    redemptionCode: v.redemptionCode,
    balance: v.balance,
    emissionDate: v.emissionDate,
    ...(v.expiringDate ? { expiringDate: v.expiringDate } : {}),
    currencyCode: v.currencyCode,
    discount: v.discount,
    transactions: v.transactions,
  }
}

function transactionAnswer(t: ReturnType<typeof view>['transactionViews'][number]) {
  return {
    id: t.id,
    cardId: t.cardId,
    value: t.value,
    description: t.description,
    date: t.date,
    requestId: t.requestId,
    operation: t.operation,
    settlement: t.settlement,
    cancellation: t.cancellation,
    authorization: t.authorization,
    _self: t._self,
  }
}
