/**
 * The callbacks tick: vtex.scheduler calls the `paymentCallbacks` route (every minute by
 * default), so a pending callback (callback.ts) is delivered after a restart even when no
 * payment call arrives to start {@link resumeCallbacks} (a VTEX IO replica has no timer it can
 * rely on: it runs only while it serves, clients/scheduler.ts).
 *
 * The connector schedules it itself, the way orders/setup.ts schedules the feed tick (VTEX's
 * create-or-replace `PUT` by id, the app's own token): on the first payment call of a process,
 * then at most every {@link TICK_REFRESH_MS}, each time ending {@link TICK_LIFETIME_MS} later.
 * A connector nobody calls for eight days has no pending callback younger than VTEX's seven
 * days of retries (callback.ts drops older ones), so its tick simply ends. The schedule is on
 * `https://{workspace}--{account}.myvtex.com` (orders/setup.ts `publicHost`, master included).
 *
 * The scheduled request carries no credential of the gateway: its header
 * {@link CALLBACKS_TICK_HEADER} is an HMAC-SHA256 of the account and workspace keyed by the
 * connector's app token, which the route recomputes (routes/payments.ts). It only lets the
 * caller deliver what is due; the gateway's app token itself never leaves the app settings.
 */
import { createHmac } from 'crypto'

import type { ScheduleConfig } from '../clients/scheduler'
import { publicHost } from '../orders/setup'
import type { PaymentsSettings } from './settings'

export const CALLBACKS_PATH = '/_v/ponte/payments/callbacks'
export const CALLBACKS_SCHEDULE_ID = 'ponte-payments-callbacks'
export const CALLBACKS_TICK_HEADER = 'x-ponte-callbacks-tick'
export const TICK_REFRESH_MS = 3600 * 1000
export const TICK_LIFETIME_MS = 8 * 24 * 3600 * 1000

/** The tick's header value for this account and workspace, or null without an app token. */
export function tickToken(settings: Pick<PaymentsSettings, 'appToken'>, account: string, workspace: string): string | null {
  if (!settings.appToken) return null
  return createHmac('sha256', settings.appToken).update(`ponte-payments-callbacks/${account}/${workspace}`).digest('hex')
}

/** The schedule to write now, or null when the connector has no credentials (nothing could be delivered). */
export function callbacksSchedule(settings: PaymentsSettings, account: string, workspace: string, now: number): ScheduleConfig | null {
  const token = tickToken(settings, account, workspace)
  if (!token) return null
  return {
    id: CALLBACKS_SCHEDULE_ID,
    scheduler: { expression: settings.callbacksTick, endDate: new Date(now + TICK_LIFETIME_MS).toISOString() },
    retry: { delay: { addMinutes: 1, addHours: 0, addDays: 0 }, times: 2, backOffRate: 2 },
    request: { uri: `${publicHost(account, workspace)}${CALLBACKS_PATH}`, method: 'POST', headers: { [CALLBACKS_TICK_HEADER]: token }, body: {} },
  }
}

/** Per process: when each account/workspace's schedule was last written (or is being written). */
const written = new Map<string, number>()

/**
 * Writes the schedule when this process has not done so for {@link TICK_REFRESH_MS}; a failure
 * is tried again on a later call (after a minute). Never throws.
 */
export async function ensureCallbacksTick(
  settings: PaymentsSettings,
  account: string,
  workspace: string,
  now: number,
  put: (config: ScheduleConfig) => Promise<unknown>,
  warn: (m: unknown) => void
): Promise<boolean> {
  const key = `${account}/${workspace}`
  if (now - (written.get(key) ?? -Infinity) < TICK_REFRESH_MS) return false
  const config = callbacksSchedule(settings, account, workspace, now)
  if (!config) return false
  written.set(key, now)
  try {
    await put(config)
    return true
  } catch (e) {
    written.set(key, now - TICK_REFRESH_MS + 60_000)
    warn({ message: 'payments: the callbacks tick could not be scheduled', status: (e as { response?: { status?: number } }).response?.status ?? null })
    return false
  }
}
