/**
 * The typed facade over ponte-core's gift card ledger (§G.2): creating a card, a command
 * (debit, credit, settlement, cancellation; idempotent by requestId), the shopper's search
 * and the protocol's views. Refusals throw a PonteError with the core's stable code
 * (`GIFTCARD_INSUFFICIENT_BALANCE`...); a body that does not even deserialize becomes
 * `GIFTCARD_BODY_INVALID`.
 */
import * as core from '../generated/ponte_wasm'
import type {
  Card,
  CardView,
  Command,
  CreateCardRequest,
  GiftCardCommandResponse,
  GiftCardSearchRequest,
  GiftCardSearchResponse,
} from '../generated/ponte_wasm'
import { callCoreAs } from '../lib/core'
import { PonteError } from '../lib/errors'

export type { Card, CardView, Command, GiftCardCommandResponse, GiftCardSearchResponse, TransactionView } from '../generated/ponte_wasm'

export const GIFTCARD_BODY_INVALID = 'GIFTCARD_BODY_INVALID'

const malformed = (message: string) => new PonteError(GIFTCARD_BODY_INVALID, `the request does not have the protocol's shape: ${message}`)

/** A core call whose input did not decode (`INPUT_INVALID` too) answers as a malformed body. */
const callCore = callCoreAs(malformed)

export const createCard = (r: CreateCardRequest): Card => callCore(() => core.create_gift_card(r))

export const command = (card: Card, cmd: Command, now: string): GiftCardCommandResponse =>
  callCore(() => core.gift_card_command({ card, command: cmd, now }))

export const search = (r: GiftCardSearchRequest): GiftCardSearchResponse => callCore(() => core.search_gift_cards(r))

export const view = (card: Card, baseHref: string): CardView => callCore(() => core.gift_card_view({ card, baseHref }))
