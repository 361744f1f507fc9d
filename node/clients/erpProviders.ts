/**
 * What the ERP (or CRM) knows for the provider protocols (§G.2, §G.3), read over its HTTPS
 * endpoint (the `erpEndpoint` setting, through the outbound proxy as clients/erp.ts does):
 *
 * - `GET {erp}/giftcards?owner={profileId}` and `GET {erp}/giftcards?code={redemptionCode}`:
 *   `[ErpGiftCard]`; `GET {erp}/giftcards/{id}`: one card or 404. The ERP's balance is the
 *   balance of record when Ponte first takes a card over; from then on Ponte's ledger holds
 *   the pre-authorisations (node/giftcards/store.ts).
 * - `GET {erp}/customers/risk?document=&email=`: the buyer's risk facts or 404 (unknown).
 * - `POST {erp}/giftcards/{id}/postings` `{key, kind, valueCents}`: a settlement, refund or
 *   credit Ponte holds, recorded once per key (201, or 200 for a key already recorded); the
 *   card's `postings` lists the keys the ERP recorded (node/giftcards/store.ts).
 *
 * A call that fails (no answer, 5xx) throws: the protocol's caller retries (VTEX retries the
 * provider's 5xx). The token never appears in an error.
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { viaProxy } from './erp'

/** A card as the ERP holds it, amounts in cents. */
export interface ErpGiftCard {
  id: string
  redemptionCode: string
  balanceCents: number
  currencyCode: string
  ownerId?: string | null
  restrictedToOwner?: boolean
  multipleRedemptions?: boolean
  multipleCredits?: boolean
  emissionDate?: string | null
  expiringDate?: string | null
  caption?: string
  /** The keys of the postings the ERP recorded on the card. */
  postings?: string[]
}

/** A movement Ponte holds, for the ERP's books. */
export interface ErpPosting {
  key: string
  kind: 'settlement' | 'refund' | 'credit'
  valueCents: number
}

/** The ERP refused a posting (4xx other than 404): it stays owed and is reported. */
export class ErpPostingRefused extends Error {
  public override readonly name = 'ErpPostingRefused'
  constructor(public readonly status: number, public readonly code: string) {
    super(`the ERP refused the posting (${status} ${code})`)
  }
}

/** The buyer's facts (the core's RiskFacts). */
export interface ErpRiskFacts {
  blocked?: boolean
  overdueInvoices?: number
  chargebacks?: number
  previousOrders?: number
  document?: string | null
  postalCodes?: string[]
}

export interface ProvidersErp {
  cardsOf(endpoint: string, token: string | null, query: { owner?: string; code?: string }): Promise<ErpGiftCard[]>
  card(endpoint: string, token: string | null, id: string): Promise<ErpGiftCard | null>
  riskFacts(endpoint: string, token: string | null, buyer: { document?: string | null; email?: string | null }): Promise<ErpRiskFacts | null>
  /** Records a posting; throws ErpUnavailable (no answer, 5xx) or ErpPostingRefused. */
  post(endpoint: string, token: string | null, cardId: string, posting: ErpPosting): Promise<void>
}

export class ErpUnavailable extends Error {
  public override readonly name = 'ErpUnavailable'
}

export class ErpProviders extends ExternalClient implements ProvidersErp {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('', context, options)
  }

  private async get<T>(endpoint: string, token: string | null, path: string, metric: string): Promise<T | null> {
    const { url, headers } = viaProxy(`${endpoint.replace(/\/+$/, '')}${path}`)
    let response
    try {
      response = await this.http.getRaw<T>(url, {
        metric,
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        validateStatus: () => true,
      })
    } catch (e) {
      const code = (e as { code?: unknown })?.code
      throw new ErpUnavailable(`the ERP did not answer (${typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'UNKNOWN'})`)
    }
    if (response.status === 404) return null
    if (response.status < 200 || response.status >= 300) throw new ErpUnavailable(`the ERP answered ${response.status}`)
    return response.data
  }

  public async cardsOf(endpoint: string, token: string | null, query: { owner?: string; code?: string }): Promise<ErpGiftCard[]> {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as Array<[string, string]>).toString()
    const cards = await this.get<ErpGiftCard[]>(endpoint, token, `/giftcards?${qs}`, 'erp-giftcards-list')
    return Array.isArray(cards) ? cards : []
  }

  public card(endpoint: string, token: string | null, id: string): Promise<ErpGiftCard | null> {
    return this.get<ErpGiftCard>(endpoint, token, `/giftcards/${encodeURIComponent(id)}`, 'erp-giftcards-get')
  }

  public async post(endpoint: string, token: string | null, cardId: string, posting: ErpPosting): Promise<void> {
    const { url, headers } = viaProxy(`${endpoint.replace(/\/+$/, '')}/giftcards/${encodeURIComponent(cardId)}/postings`)
    let response
    try {
      response = await this.http.postRaw<{ code?: string }>(url, posting, {
        metric: 'erp-giftcards-post',
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        validateStatus: () => true,
      })
    } catch (e) {
      const code = (e as { code?: unknown })?.code
      throw new ErpUnavailable(`the ERP did not answer (${typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'UNKNOWN'})`)
    }
    if (response.status >= 200 && response.status < 300) return
    if (response.status >= 500 || response.status === 429) throw new ErpUnavailable(`the ERP answered ${response.status}`)
    const code = typeof response.data?.code === 'string' && /^[A-Z_]{2,60}$/.test(response.data.code) ? response.data.code : 'UNKNOWN'
    throw new ErpPostingRefused(response.status, code)
  }

  public riskFacts(endpoint: string, token: string | null, buyer: { document?: string | null; email?: string | null }): Promise<ErpRiskFacts | null> {
    const qs = new URLSearchParams(Object.entries(buyer).filter(([, v]) => v) as Array<[string, string]>).toString()
    return this.get<ErpRiskFacts>(endpoint, token, `/customers/risk?${qs}`, 'erp-customers-risk')
  }
}
