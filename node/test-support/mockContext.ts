import type { Context } from '../clients'
import type { CatalogSource } from '../clients/catalog'
import type { VtexIdSource } from '../clients/vtexId'
import { demoCatalog } from './fakeCatalog'
import { FakeVtexId } from './vtexIdTokens'

export interface MockRequest {
  /** Request headers (any case). */
  headers?: Record<string, string>
  /** Cookies: `VtexIdclientAutCookie` becomes adminUserAuthToken, `VtexIdclientAutCookie_{account}` storeUserAuthToken. */
  cookies?: Record<string, string>
  account?: string
  settings?: unknown
  /** Each entry pushed to by the logger, per level. */
  logs?: Array<{ level: string; entry: unknown }>
}

/** A resolver context whose clients are in-memory fakes; only what the service uses is filled in. */
export function mockContext(
  overrides: { catalog?: CatalogSource; vtexId?: VtexIdSource; request?: MockRequest } = {}
): Context {
  const catalog = overrides.catalog ?? demoCatalog()
  const vtexId = overrides.vtexId ?? new FakeVtexId()
  const request = overrides.request ?? {}
  const account = request.account ?? 'ponteunit'
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const cookies = request.cookies ?? {}
  const logs = request.logs ?? []
  const log = (level: string) => (entry: unknown) => logs.push({ level, entry })
  const responseHeaders: Record<string, string> = {}
  return {
    clients: {
      catalog,
      vtexId,
      apps: { getAppSettings: async () => request.settings ?? {} },
    },
    vtex: {
      account,
      workspace: 'master',
      authToken: 'token',
      production: false,
      adminUserAuthToken: cookies.VtexIdclientAutCookie,
      storeUserAuthToken: cookies[`VtexIdclientAutCookie_${account}`],
      logger: { warn: log('warn'), error: log('error'), info: log('info'), debug: log('debug'), log: (e: unknown, l: string) => log(l)(e) },
      route: { id: 'test' },
    },
    state: {},
    get: (name: string) => headers[name.toLowerCase()] ?? '',
    set: (name: string, value: string) => {
      responseHeaders[name.toLowerCase()] = value
    },
    responseHeaders,
  } as unknown as Context
}
