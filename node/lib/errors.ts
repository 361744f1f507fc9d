/**
 * An error whose stable machine code reaches the GraphQL response as `extensions.code`.
 *
 * How the code gets there: graphql-js wraps a resolver's error in a GraphQLError and takes the
 * original error's `extensions` as its own; @vtex/api then formats it with apollo-server-errors,
 * which keeps `extensions.code` (and would otherwise write INTERNAL_SERVER_ERROR). The runtime
 * also copies the original error's own properties into `extensions.exception`, so `code` and
 * `level` are visible there too; `level: 'warn'` keeps expected input errors out of the error log.
 */
export class PonteError extends Error {
  public readonly extensions: { code: string }
  public readonly level: 'warn' | 'error'

  constructor(
    public readonly code: string,
    message: string,
    level: 'warn' | 'error' = 'warn'
  ) {
    super(message)
    this.name = 'PonteError'
    this.extensions = { code }
    this.level = level
  }
}

/** An id argument that is not a positive integer within VTEX's range. */
export const INVALID_ID = 'INVALID_ID'
/** VTEX answered something Ponte cannot use (not a 404 it expects). */
export const VTEX_REQUEST_FAILED = 'VTEX_REQUEST_FAILED'

// SSO (see node/README.md "SSO"). The core's own refusals keep their TOKEN_* codes.

/** No token (cookie, bearer header or, where allowed, app key) came with the request. */
export const UNAUTHENTICATED = 'UNAUTHENTICATED'
/** VTEX ID answered WrongCredentials: the session was logged out, revoked, or never existed. */
export const TOKEN_REVOKED = 'TOKEN_REVOKED'
/** An app key on a field or route that requires a person. */
export const FORBIDDEN = 'FORBIDDEN'
/** VTEX ID refused the app key and app token pair. */
export const APP_KEY_INVALID = 'APP_KEY_INVALID'

/**
 * A failed VTEX call as a caller sees it: a PonteError passes through; anything else becomes
 * VTEX_REQUEST_FAILED, `{doing} failed: HTTP {status}` (else the error's message), logged as an
 * error.
 */
export function vtexRequestFailed(e: unknown, doing: string): PonteError {
  if (e instanceof PonteError) return e
  const status = (e as { response?: { status?: number } }).response?.status
  const detail = status === undefined ? (e as Error).message : `HTTP ${status}`
  return new PonteError(VTEX_REQUEST_FAILED, `${doing} failed: ${detail}`, 'error')
}
