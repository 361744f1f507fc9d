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
