import type { InstanceOptions, IOContext } from '@vtex/api'

/**
 * The account's own VTEX host. Plain HTTP with `X-Vtex-Use-Https`, so VTEX IO's outbound proxy
 * upgrades the call to HTTPS (and a local proxy can route it).
 */
export const accountHost = (context: IOContext) => `http://${context.account}.vtexcommercestable.com.br`

/** The client's options with `X-Vtex-Use-Https` and the app's own token in each named header. */
export function withAppToken(context: IOContext, options: InstanceOptions | undefined, tokenHeaders: readonly string[]): InstanceOptions {
  const token = context.authToken ? Object.fromEntries(tokenHeaders.map((name) => [name, context.authToken])) : {}
  return { ...options, headers: { ...options?.headers, 'X-Vtex-Use-Https': 'true', ...token } }
}
