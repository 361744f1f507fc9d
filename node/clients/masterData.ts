/**
 * Master Data v1 (§F.2) on the account's host, for the customer entities CL and AD (any acronym
 * works): documents read, created, upserted, patched, replaced and deleted; `search` with
 * `REST-Range` (at most 100 documents a page, the total in `REST-Content-Range`) for small
 * reads; `scroll` with the `X-VTEX-MD-TOKEN` header for anything bigger (the first call fixes
 * the page size, at most 1000; an empty page ends it).
 *
 * CL and AD fields are private (§F.1): every call carries the app's own token as
 * `VtexIdclientAutCookie`, never a shopper's. Retries and pacing belong to the caller (the sync
 * job's Throttle and Pacer); this client makes one HTTP call per method.
 *
 * Nothing here logs: documents hold personal data, and the error a call throws is the
 * runtime's (status and path, where the path of a search is built from ids and field names
 * only: emails and documents go in the `_where` query parameter, which callers must not log).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

import { accountHost, withAppToken } from './accountHost'

/** Every path this client calls; manifest.test.ts checks each has an outbound-access policy. */
export const MASTER_DATA_PATHS = { dataentities: '/api/dataentities/*' } as const

/** At most this many documents per search page (§F.2, the OpenAPI text of `REST-Range`). */
export const SEARCH_PAGE = 100
/** At most this many documents per scroll page (§F.2). */
export const SCROLL_PAGE = 1000

export type MdDocument = Record<string, unknown> & { id: string }

/** A search page: the documents and the total `REST-Content-Range` announced. */
export interface SearchPage<T> {
  documents: T[]
  total: number | null
}

/** A scroll page: the documents and the token for the next one (`X-VTEX-MD-TOKEN`). */
export interface ScrollPage<T> {
  documents: T[]
  token: string | null
}

const ACRONYM = /^[A-Za-z0-9_]{1,10}$/

function base(acronym: string): string {
  if (!ACRONYM.test(acronym)) throw new Error('not a data entity acronym')
  return `/api/dataentities/${acronym}`
}

const status = (e: unknown) => (e as { response?: { status?: number } })?.response?.status

/** `REST-Content-Range: resources 0-100/250` → 250. */
export function contentTotal(header: unknown): number | null {
  const m = typeof header === 'string' ? /\/(\d+)\s*$/.exec(header) : null
  return m ? Number(m[1]) : null
}

export class MasterData extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super(accountHost(context), context, withAppToken(context, options, ['VtexIdclientAutCookie']))
  }

  /** `GET .../documents/{id}?_fields=`; null when there is none (404). */
  public async get<T extends MdDocument>(acronym: string, id: string, fields: readonly string[]): Promise<T | null> {
    try {
      return await this.http.get<T>(`${base(acronym)}/documents/${encodeURIComponent(id)}`, {
        params: { _fields: fields.join(',') },
        metric: `md-${acronym}-get`,
      })
    } catch (e) {
      if (status(e) === 404) return null
      throw e
    }
  }

  /** `POST .../documents`: a new document (VTEX generates the id unless the body names one). */
  public async create(acronym: string, body: Record<string, unknown>): Promise<string> {
    const got = await this.http.post<{ Id?: string; id?: string; DocumentId?: string; documentId?: string }>(`${base(acronym)}/documents`, body, {
      metric: `md-${acronym}-create`,
    })
    return String(got.documentId ?? got.DocumentId ?? got.id ?? got.Id ?? '')
  }

  /**
   * `PATCH .../documents` with `id` in the body: the partial upsert (§F.2). Answers false when
   * Master Data said `304 Not Modified` (it already holds exactly that).
   */
  public async upsert(acronym: string, body: Record<string, unknown> & { id: string }): Promise<boolean> {
    try {
      await this.http.patch(`${base(acronym)}/documents`, body, { metric: `md-${acronym}-upsert` })
      return true
    } catch (e) {
      if (status(e) === 304) return false
      throw e
    }
  }

  /** `PATCH .../documents/{id}`: only the fields sent. */
  public async patch(acronym: string, id: string, fields: Record<string, unknown>): Promise<void> {
    await this.http.patch(`${base(acronym)}/documents/${encodeURIComponent(id)}`, fields, { metric: `md-${acronym}-patch` })
  }

  /** `PUT .../documents/{id}`: creates or replaces the whole document. */
  public async put(acronym: string, id: string, body: Record<string, unknown>): Promise<void> {
    await this.http.put(`${base(acronym)}/documents/${encodeURIComponent(id)}`, body, { metric: `md-${acronym}-put` })
  }

  /** `DELETE .../documents/{id}`; false when it was already gone (404). */
  public async delete(acronym: string, id: string): Promise<boolean> {
    try {
      await this.http.delete(`${base(acronym)}/documents/${encodeURIComponent(id)}`, { metric: `md-${acronym}-delete` })
      return true
    } catch (e) {
      if (status(e) === 404) return false
      throw e
    }
  }

  /** One search page: documents `from` to `from + size - 1` (`size` at most {@link SEARCH_PAGE}). */
  public async search<T extends MdDocument>(
    acronym: string,
    where: string,
    fields: readonly string[],
    from = 0,
    size = SEARCH_PAGE,
    sort?: string
  ): Promise<SearchPage<T>> {
    const n = Math.max(1, Math.min(SEARCH_PAGE, size))
    const res = await this.http.getRaw<T[]>(`${base(acronym)}/search`, {
      params: { _where: where, _fields: fields.join(','), ...(sort ? { _sort: sort } : {}) },
      headers: { 'REST-Range': `resources=${from}-${from + n}` },
      metric: `md-${acronym}-search`,
    })
    return { documents: Array.isArray(res.data) ? res.data : [], total: contentTotal(res.headers?.['rest-content-range']) }
  }

  /** Every document matching `where`, page by page (for fewer than 10,000 documents, §F.2). */
  public async searchAll<T extends MdDocument>(
    acronym: string,
    where: string,
    fields: readonly string[],
    page: (call: () => Promise<SearchPage<T>>) => Promise<SearchPage<T>> = (call) => call()
  ): Promise<T[]> {
    const out: T[] = []
    for (let from = 0; ; from += SEARCH_PAGE) {
      const got = await page(() => this.search<T>(acronym, where, fields, from, SEARCH_PAGE, 'id ASC'))
      out.push(...got.documents)
      const total = got.total ?? (got.documents.length < SEARCH_PAGE ? out.length : Infinity)
      if (got.documents.length === 0 || from + SEARCH_PAGE >= total) return out
    }
  }

  /**
   * One scroll page: the first call (no token) with `_size`, `_where` and `_fields`; the next
   * ones with `_token` only. An empty page ends the scroll.
   */
  public async scroll<T extends MdDocument>(
    acronym: string,
    first: { where?: string; fields: readonly string[]; size?: number } | { token: string }
  ): Promise<ScrollPage<T>> {
    const params =
      'token' in first
        ? { _token: first.token }
        : {
            _size: Math.max(1, Math.min(SCROLL_PAGE, first.size ?? SCROLL_PAGE)),
            _fields: first.fields.join(','),
            ...(first.where ? { _where: first.where } : {}),
          }
    const res = await this.http.getRaw<T[]>(`${base(acronym)}/scroll`, { params, metric: `md-${acronym}-scroll` })
    const token = res.headers?.['x-vtex-md-token']
    return { documents: Array.isArray(res.data) ? res.data : [], token: typeof token === 'string' && token ? token : null }
  }

  /** Every document of the entity (matching `where`), through the scroll. */
  public async scrollAll<T extends MdDocument>(
    acronym: string,
    fields: readonly string[],
    where?: string,
    page: (call: () => Promise<ScrollPage<T>>) => Promise<ScrollPage<T>> = (call) => call()
  ): Promise<T[]> {
    const out: T[] = []
    let got = await page(() => this.scroll<T>(acronym, { fields, where, size: SCROLL_PAGE }))
    while (got.documents.length > 0) {
      out.push(...got.documents)
      if (!got.token) break
      const token = got.token
      got = await page(() => this.scroll<T>(acronym, { token }))
    }
    return out
  }
}

/** A `_where` value quoted for Master Data's query language (§F.2): double quotes, none inside. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`
}

/** `field=v1 OR field=v2 ...` for one chunk of values. */
export function anyOf(field: string, values: readonly string[]): string {
  return values.map((v) => `${field}=${quoted(v)}`).join(' OR ')
}
