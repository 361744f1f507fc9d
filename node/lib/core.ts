/**
 * The one way into the wasm core (the generated bindings): each domain's `core.ts` facade wraps
 * its operations in {@link callCore}. Only the `core.ts` files and this module import `generated/`.
 */
import * as core from '../generated/ponte_wasm'
import { PonteError } from './errors'

export interface CoreCallOptions {
  /**
   * What a failure that is not a coded core refusal becomes (the input did not deserialize):
   * without it, the error propagates as it is (a bug).
   */
  malformed?: (message: string, error: unknown) => Error
  /** The log level of a coded refusal; `warn` unless said otherwise. */
  level?: (code: string) => 'warn' | 'error'
}

/**
 * Runs a call into the wasm core. The core's refusals are Errors with a `code`: they become a
 * PonteError with that code. A plain Error means the input did not deserialize: it becomes
 * `malformed(message)` when the caller gives one, and propagates otherwise (a bug).
 */
export function callCore<T>(call: () => T, options: CoreCallOptions = {}): T {
  try {
    return call()
  } catch (e) {
    if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') {
      const code = (e as Error & { code: string }).code
      throw new PonteError(code, e.message, options.level?.(code) ?? 'warn')
    }
    if (!options.malformed) throw e
    throw options.malformed(e instanceof Error ? e.message : String(e), e)
  }
}

/**
 * {@link callCore} for a facade whose malformed input has one code: a body that does not
 * deserialize, and the core's own decoding refusal (`INPUT_INVALID`), both become `malformed`.
 */
export function callCoreAs(malformed: (message: string) => Error): <T>(call: () => T) => T {
  return <T>(call: () => T): T => {
    try {
      return callCore(call, { malformed })
    } catch (e) {
      if (e instanceof PonteError && e.code === 'INPUT_INVALID') throw malformed(e.message)
      throw e
    }
  }
}

/** The version of the wasm core the service runs. */
export function coreVersion(): string {
  return core.version()
}
