/**
 * How the import runner treats a failed Catalog call.
 *
 * - **429**: VTEX refused before doing anything. The refused call waits `Retry-After` (seconds
 *   or an HTTP date; 1 s when absent, at most `maxRetryAfterMs`) before it is tried again,
 *   keeping its slot of the job's concurrency meanwhile: the job's call rate falls with the
 *   share of refusals (§0: "any 429 → stop and back off") without every worker
 *   stalling on each refusal. Does not count as an attempt; bounded by `maxRateLimited`.
 * - **5xx, timeouts, connection errors**: retried with exponential backoff and full jitter,
 *   `min(maxDelay, baseDelay · 2^(n-1)) · random[0.5, 1)`, up to `maxAttempts` attempts. The call
 *   may have had its effect (VTEX can time out after writing), so the retry reconciles first:
 *   it looks the entity up by its key before writing again.
 * - **Any other 4xx**: VTEX refused the step; not retried.
 */

export interface RetryPolicy {
  /** Attempts per step for 5xx and transport errors (the first included). */
  maxAttempts: number
  /** 429 answers tolerated per step before it fails. */
  maxRateLimited: number
  baseDelayMs: number
  maxDelayMs: number
  /** Used when a 429 carries no (or an unreadable) Retry-After. */
  defaultRetryAfterMs: number
  /** A Retry-After longer than this is cut to it (a broken header must not stall a job for hours). */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  maxRateLimited: 30,
  baseDelayMs: 200,
  maxDelayMs: 10000,
  defaultRetryAfterMs: 1000,
  maxRetryAfterMs: 120000,
}

export type Failure =
  | { kind: 'rateLimited'; status: 429; retryAfterMs: number }
  | { kind: 'transient'; status: number | null; detail: string }
  | { kind: 'refused'; status: number; detail: string }
  | { kind: 'bug'; detail: string }

interface HttpLikeError {
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown }
  code?: string
  message?: string
}

/** Sorts an error thrown by a client call into what the runner does with it. */
export function classify(error: unknown, policy: RetryPolicy, now = Date.now()): Failure {
  const e = (error ?? {}) as HttpLikeError
  const status = e.response?.status
  if (status === 429) {
    return { kind: 'rateLimited', status, retryAfterMs: retryAfterMs(header(e.response?.headers, 'retry-after'), policy, now) }
  }
  if (status !== undefined && status >= 500) return { kind: 'transient', status, detail: `HTTP ${status}${body(e)}` }
  if (status !== undefined && status >= 400) return { kind: 'refused', status, detail: `HTTP ${status}${body(e)}` }
  if (status === undefined && (e.code !== undefined || e.response === undefined) && isTransport(e)) {
    return { kind: 'transient', status: null, detail: e.code ?? e.message ?? 'network error' }
  }
  return { kind: 'bug', detail: e.message ?? String(error) }
}

function isTransport(e: HttpLikeError): boolean {
  const transportCodes = ['ECONNABORTED', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT']
  return (e.code !== undefined && transportCodes.includes(e.code)) || /timeout|socket hang up|network/i.test(e.message ?? '')
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v === undefined ? undefined : String(v)
  return undefined
}

function body(e: HttpLikeError): string {
  const data = e.response?.data
  if (data === undefined || data === null || data === '') return ''
  const text = typeof data === 'string' ? data : JSON.stringify(data)
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | undefined, policy: RetryPolicy, now = Date.now()): number {
  if (value === undefined || value.trim() === '') return policy.defaultRetryAfterMs
  const trimmed = value.trim()
  let ms: number
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000
  else {
    const at = Date.parse(trimmed)
    if (Number.isNaN(at)) return policy.defaultRetryAfterMs
    ms = Math.max(0, at - now)
  }
  return Math.min(ms, policy.maxRetryAfterMs)
}

/** The wait before retry number `retry` (1 = the first retry): exponential, capped, jittered. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1))
  return Math.round(ceiling * (0.5 + random() / 2))
}
