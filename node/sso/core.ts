/**
 * The typed facade over ponte-core's VTEX ID token checks (WebAssembly). Like every `core.ts`, one
 * of the only modules that import the generated bindings; the core's coded failures become
 * PonteErrors with the same code (TOKEN_EXPIRED, TOKEN_ACCOUNT_WRONG, ..., JWKS_INVALID).
 *
 * The core never puts the token in a message (it quotes and shortens the strings it shows), and
 * neither does this module: a failure that is not a coded core error is rethrown without the
 * request that caused it.
 */
import * as core from '../generated/ponte_wasm'
import type { Audience, ValidToken } from '../generated/ponte_wasm'
import { callCore } from '../lib/core'

export type { Audience, Claims, ValidToken } from '../generated/ponte_wasm'

/** Every code the core's token checks can end with (ponte-core `SsoError::CODES`). */
export const CORE_TOKEN_CODES = [
  'TOKEN_TOO_LARGE',
  'TOKEN_MALFORMED',
  'TOKEN_ALG_UNSUPPORTED',
  'TOKEN_CLAIMS_INVALID',
  'TOKEN_ISSUER_WRONG',
  'TOKEN_AUDIENCE_WRONG',
  'TOKEN_ACCOUNT_WRONG',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'TOKEN_KEY_UNKNOWN',
  'TOKEN_KEY_TYPE_MISMATCH',
  'TOKEN_SIGNATURE_INVALID',
  'TOKEN_SIGNATURE_NOT_CANONICAL',
  'JWKS_INVALID',
] as const

export interface TokenExpectation {
  audience: Audience
  /** The current account; the token's must be equal byte for byte. */
  account: string
  /** Unix seconds. */
  now: number
  leewaySeconds: number
}

/**
 * Structure, algorithm allow-list, claims (issuer, audience, account, expiry against `now`) and,
 * with `jwks` (a JWKS JSON document), the signature. Pure and local: no network.
 */
export function validateToken(token: string, expected: TokenExpectation, jwks?: string | null): ValidToken {
  return callCore(() => core.validate_token({ token, expected, jwks: jwks ?? null }), {
    // A key set that does not parse is the configuration's fault, not the caller's.
    level: (code) => (code === 'JWKS_INVALID' ? 'error' : 'warn'),
    // Not a coded refusal: a bug in the boundary. Its message could quote the input: drop it.
    malformed: (_message, e) => new Error(`the token check failed unexpectedly (${e instanceof Error ? e.name : typeof e})`),
  })
}
