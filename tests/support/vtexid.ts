/** VTEX ID and app settings in ponte-sim, called the way a browser or an operator would. */
import type { Reply } from './http'
import { viaProxy } from './http'

export { viaProxy }

async function ok<T>(reply: Promise<Reply>, what: string): Promise<T> {
  const r = await reply
  if (r.status < 200 || r.status >= 300) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`)
  return r.body as T
}

export interface Login {
  token: string
  userId: string
  expires: unknown
}

/** The simulator's login extension, on the account's own VTEX host. */
export function simLogin(
  simUrl: string,
  account: string,
  body: { email: string; account?: string; audience: 'admin' | 'webstore'; ttlSeconds?: number; issuedAt?: number }
): Promise<Login> {
  return ok(viaProxy(simUrl, 'POST', `http://${account}.vtexcommercestable.com.br/api/vtexid/pub/sim/login`, { account, ...body }), 'sim login')
}

/** Logs the token's session out (VTEX ID's logout revokes the session). */
export function logout(simUrl: string, account: string, token: string): Promise<unknown> {
  return ok(
    viaProxy(simUrl, 'POST', `http://${account}.vtexcommercestable.com.br/api/vtexid/pub/logout?authToken=${encodeURIComponent(token)}`),
    'logout'
  )
}

/** The simulator's public key set (a simulator extension: VTEX publishes none). */
export async function simJwks(simUrl: string, account: string): Promise<string> {
  const body = await ok<unknown>(viaProxy(simUrl, 'GET', `http://${account}.vtexcommercestable.com.br/api/vtexid/pub/sim/jwks`), 'jwks')
  return typeof body === 'string' ? body : JSON.stringify(body)
}

/** Writes the app's settings where @vtex/api's Apps client reads them on VTEX IO. */
export function putAppSettings(simUrl: string, account: string, workspace: string, app: string, settings: unknown): Promise<unknown> {
  return ok(viaProxy(simUrl, 'PUT', `http://infra.io.vtex.com/apps/v0/${account}/${workspace}/apps/${app}/settings`, settings), 'settings')
}
