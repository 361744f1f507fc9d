import type { ScheduleConfig } from '../clients/scheduler'
import { parsePaymentsSettings } from './settings'
import { CALLBACKS_PATH, CALLBACKS_SCHEDULE_ID, CALLBACKS_TICK_HEADER, TICK_LIFETIME_MS, TICK_REFRESH_MS, callbacksSchedule, ensureCallbacksTick, tickToken } from './tick'

const settings = parsePaymentsSettings({ paymentAppKey: 'vtexappkey-gw', paymentAppToken: 'gateway-token-0123456789' })

describe('payments callbacks tick', () => {
  it('schedules the callbacks route on the workspace host, with a token that is not the app token', () => {
    const config = callbacksSchedule(settings, 'acme', 'master', Date.UTC(2026, 0, 1)) as ScheduleConfig
    expect(config.id).toBe(CALLBACKS_SCHEDULE_ID)
    expect(config.request.uri).toBe(`https://master--acme.myvtex.com${CALLBACKS_PATH}`)
    expect(config.scheduler).toEqual({ expression: '30 * * ? * *', endDate: new Date(Date.UTC(2026, 0, 1) + TICK_LIFETIME_MS).toISOString() })
    const token = config.request.headers[CALLBACKS_TICK_HEADER]
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(config)).not.toContain('gateway-token-0123456789')
    // Bound to the account and workspace, and to the token.
    expect(tickToken(settings, 'acme', 'other')).not.toBe(token)
    expect(tickToken(parsePaymentsSettings({ paymentAppToken: 'another-token-0123456789' }), 'acme', 'master')).not.toBe(token)
  })

  it('schedules nothing without credentials, and takes a Quartz expression from the tuning', () => {
    expect(callbacksSchedule(parsePaymentsSettings({}), 'acme', 'master', 0)).toBeNull()
    const every5 = parsePaymentsSettings({ paymentAppToken: 'gateway-token-0123456789', paymentsTuning: { callbacksTick: '*/5 * * ? * *' } })
    expect(callbacksSchedule(every5, 'acme', 'master', 0)?.scheduler.expression).toBe('*/5 * * ? * *')
    expect(parsePaymentsSettings({ paymentsTuning: { callbacksTick: 'every minute' } }).callbacksTick).toBe('30 * * ? * *')
  })

  it('writes the schedule once per refresh period, and again soon after a failure', async () => {
    const puts: ScheduleConfig[] = []
    let fail = true
    const put = async (c: ScheduleConfig) => {
      if (fail) throw Object.assign(new Error('no'), { response: { status: 503 } })
      puts.push(c)
    }
    const warnings: unknown[] = []
    const warn = (m: unknown) => warnings.push(m)
    const t0 = 5_000_000_000
    expect(await ensureCallbacksTick(settings, 'tick-a', 'master', t0, put, warn)).toBe(false)
    expect(warnings).toHaveLength(1)
    fail = false
    expect(await ensureCallbacksTick(settings, 'tick-a', 'master', t0 + 1000, put, warn)).toBe(false)
    expect(await ensureCallbacksTick(settings, 'tick-a', 'master', t0 + 61_000, put, warn)).toBe(true)
    expect(await ensureCallbacksTick(settings, 'tick-a', 'master', t0 + 62_000, put, warn)).toBe(false)
    expect(await ensureCallbacksTick(settings, 'tick-a', 'master', t0 + 61_000 + TICK_REFRESH_MS, put, warn)).toBe(true)
    expect(puts).toHaveLength(2)
    expect(puts[1].scheduler.endDate).toBe(new Date(t0 + 61_000 + TICK_REFRESH_MS + TICK_LIFETIME_MS).toISOString())
  })
})
