/**
 * Clients for work that outlives the request that starts it: an import job, the orders flow's
 * background processing and deliveries. Built from the request's IOContext **without** its
 * cancellation token (the runtime cancels a request's pending calls when the caller goes away),
 * and with options of their own (typically `retries: 0`, the caller owning every retry, and
 * `memoizable: false`, a job having to see its own writes).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'

export function jobScoped<C, O extends InstanceOptions>(
  vtex: IOContext,
  Client: new (context: IOContext, options?: O) => C,
  options: O
): C {
  const { cancellation: _request, ...context } = vtex
  return new Client(context as IOContext, options)
}
