/** HTTP the way VTEX IO and an ERP would do it: through the simulator as proxy, and GraphQL to the service. */
import { request } from 'http'

const JANUS = 'http://portal.vtexcommercestable.com.br'

export interface Reply {
  status: number
  body: unknown
}

/**
 * Calls the VTEX Catalog at its real host through ponte-sim as HTTP proxy (absolute-form
 * request line), exactly as the service's clients do.
 */
export function vtex(simUrl: string, account: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const target = `${JANUS}${path}${path.includes('?') ? '&' : '?'}an=${account}`
  return viaProxy(simUrl, method, target, body, { VtexIdclientAutCookie: 'e2e-admin-token' })
}

/** Any absolute URL through the simulator as HTTP proxy (absolute-form request line). */
export function viaProxy(simUrl: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const proxy = new URL(simUrl)
  const target = new URL(url)
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((done, fail) => {
    const req = request(
      {
        host: proxy.hostname,
        port: proxy.port,
        method,
        path: url,
        headers: {
          Host: target.host,
          Accept: 'application/json',
          ...headers,
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = text === '' ? null : JSON.parse(text)
          } catch {
            // not JSON: keep the text
          }
          done({ status: res.statusCode ?? 0, body: parsed })
        })
      }
    )
    req.on('error', fail)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

export async function vtexOk<T>(simUrl: string, account: string, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await vtex(simUrl, account, method, path, body)
  if (reply.status < 200 || reply.status >= 300) {
    throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  }
  return reply.body as T
}

export interface GraphQLReply {
  status: number
  data?: Record<string, any> | null
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>
}

/** POSTs a GraphQL request to the service (on `port`, 5050 by default) the way VTEX IO routes it. */
export async function graphql(
  account: string,
  workspace: string,
  body: string | { query: string; variables?: unknown },
  headers: Record<string, string> = { 'x-vtex-credential': 'e2e-app-token' },
  port = 5050
): Promise<GraphQLReply> {
  const res = await fetch(`http://localhost:${port}/${account}/${workspace}/_v/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-vtex-account': account,
      'x-vtex-workspace': workspace,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const json = (await res.json()) as GraphQLReply
  return { ...json, status: res.status }
}

/** A call to the simulator's own routes (`/_sim/...`): JSON in and out; a non-2xx throws with its body. */
export async function simJson<T>(simUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${simUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return (text ? JSON.parse(text) : null) as T
}

/** The app key and token ponte-sim accepts for `account` (its owner's key in License Manager). */
export const simAppKey = (account: string): Record<string, string> => ({
  'X-VTEX-API-AppKey': `vtexappkey-${account}-PONTE`,
  'X-VTEX-API-AppToken': 'ponte-sim-apptoken',
})

/** A replica of the service: its port, and the account and workspace it serves. */
export interface Replica {
  port: number
  account: string
  workspace: string
}

/**
 * A call straight to a replica, as VTEX IO's router sends a public route: the route's id and
 * (when given) its `params`, the app's token as credential (`credential`, default
 * `e2e-app-token`), and `body` as JSON (a string goes as it is). `headers` go last.
 */
export function routeFetch(
  to: Replica,
  routeId: string,
  path: string,
  opts: { method?: string; body?: unknown; headers?: Record<string, string>; params?: Record<string, string>; credential?: string } = {}
): Promise<Response> {
  const { method = 'POST', body, headers = {}, params, credential = 'e2e-app-token' } = opts
  return fetch(`http://127.0.0.1:${to.port}/${to.account}/${to.workspace}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-vtex-account': to.account,
      'x-vtex-workspace': to.workspace,
      'x-vtex-credential': credential,
      'x-colossus-route-id': routeId,
      ...(params === undefined ? {} : { 'x-colossus-params': new URLSearchParams(params).toString() }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/**
 * A call to VTEX at `account`'s own host (`{account}.vtexcommercestable.com.br`) through the
 * simulator as proxy, with the account's app key (simAppKey): the answer's body; a status of 300
 * or more throws.
 */
export async function accountVtex(simUrl: string, account: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const reply = await viaProxy(simUrl, method, `http://${account}.vtexcommercestable.com.br${path}`, body, simAppKey(account))
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply.body
}
