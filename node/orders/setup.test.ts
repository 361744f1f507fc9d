/** The intake set-up's plan and its comparison with what VTEX holds, without VTEX. */
import { CHANGES_TICK_PATH, compareIntake, DEFAULT_TICK_EXPRESSION, HOOK_PATH, INTAKE_SETTINGS_MISSING, intakePlan, publicHost, TICK_PATH, TICK_EXPRESSION_INVALID } from './setup'
import { parseSettings } from './settings'

const settings = parseSettings({
  hookSecret: 'hook-secret-of-16-chars',
  tickSecret: 'tick-secret-of-16-chars',
  intakeStatuses: ['ready-for-handling', 'canceled'],
})
const NOW = new Date('2026-12-07T12:00:00Z')

describe('intakePlan', () => {
  it("points the hook and the tick at this workspace's routes, each with its own secret", () => {
    const plan = intakePlan(settings, 'acme', 'ab-test', DEFAULT_TICK_EXPRESSION, NOW)
    expect(plan.hook).toEqual({
      filter: { type: 'FromWorkflow', status: ['ready-for-handling', 'canceled'] },
      hook: { url: 'https://ab-test--acme.myvtex.com/_v/ponte/orders/hook', headers: { 'x-ponte-hook-secret': 'hook-secret-of-16-chars' } },
    })
    expect(plan.feed.filter).toEqual(plan.hook.filter)
    expect(plan.schedule.request).toEqual({
      uri: 'https://ab-test--acme.myvtex.com/_v/ponte/orders/feed/tick',
      method: 'POST',
      headers: { 'x-ponte-tick-secret': 'tick-secret-of-16-chars' },
      body: {},
    })
    expect(plan.schedule.scheduler).toEqual({ expression: '0 * * ? * *', endDate: '2036-12-07T12:00:00.000Z' })
    expect(plan.changesSchedule).toMatchObject({
      id: 'ponte-customers-changes-tick',
      scheduler: plan.schedule.scheduler,
      request: { ...plan.schedule.request, uri: 'https://ab-test--acme.myvtex.com/_v/ponte/customers/changes-tick' },
    })
    expect(publicHost('acme', 'master')).toBe('https://master--acme.myvtex.com')
  })

  it('passes every status when the settings name none', () => {
    const plan = intakePlan(parseSettings({ hookSecret: 'h'.repeat(16), tickSecret: 't'.repeat(16) }), 'acme', 'master', '* * * ? * *', NOW)
    expect(plan.hook.filter.status).toEqual(expect.arrayContaining(['payment-pending', 'ready-for-handling', 'invoiced', 'canceled']))
  })

  it('refuses without both secrets, and an expression that is not Quartz cron', () => {
    expect(() => intakePlan(parseSettings({ hookSecret: 'h'.repeat(16) }), 'acme', 'master', '* * * ? * *', NOW)).toThrow(
      expect.objectContaining({ code: INTAKE_SETTINGS_MISSING, message: expect.stringMatching(/tickSecret/) })
    )
    for (const bad of ['* * * * *', '*/5 * * ? * * * *', 'rm -rf; * * ? * *']) {
      expect(() => intakePlan(settings, 'acme', 'master', bad, NOW)).toThrow(expect.objectContaining({ code: TICK_EXPRESSION_INVALID }))
    }
  })

  it("uses service.json's routes", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const service = require('../service.json') as { routes: Record<string, { path: string }> }
    expect(service.routes.orderHook.path).toBe(HOOK_PATH)
    expect(service.routes.orderFeedTick.path).toBe(TICK_PATH)
    expect(service.routes.customerChangesTick.path).toBe(CHANGES_TICK_PATH)
  })
})

describe('compareIntake', () => {
  const plan = intakePlan(settings, 'acme', 'master', DEFAULT_TICK_EXPRESSION, NOW)
  const schedule = { id: plan.schedule.id, expression: plan.schedule.scheduler.expression, endDate: plan.schedule.scheduler.endDate, NextExecution: '2026-12-07T12:01:00Z', request: plan.schedule.request }

  it('is ok when VTEX holds what the plan writes (statuses in any order)', () => {
    const hook = { ...plan.hook, filter: { type: 'FromWorkflow' as const, status: ['canceled', 'ready-for-handling'] } }
    expect(compareIntake(plan, hook, plan.feed, schedule)).toMatchObject({ hookOk: true, feedOk: true, tickOk: true, ok: true, tickNextExecution: '2026-12-07T12:01:00Z' })
  })

  it('says which part differs: missing, another URL, another secret, another filter', () => {
    expect(compareIntake(plan, null, plan.feed, schedule)).toMatchObject({ hookUrl: null, hookOk: false, ok: false })
    const otherUrl = { ...plan.hook, hook: { ...plan.hook.hook, url: 'https://other--acme.myvtex.com/_v/ponte/orders/hook' } }
    expect(compareIntake(plan, otherUrl, plan.feed, schedule).hookOk).toBe(false)
    const oldSecret = { ...plan.hook, hook: { ...plan.hook.hook, headers: { 'X-Ponte-Hook-Secret': 'an-older-secret-value' } } }
    expect(compareIntake(plan, oldSecret, plan.feed, schedule).hookOk).toBe(false)
    const narrower = { ...plan.feed, filter: { type: 'FromWorkflow' as const, status: ['canceled'] } }
    expect(compareIntake(plan, plan.hook, narrower, schedule).feedOk).toBe(false)
    expect(compareIntake(plan, plan.hook, plan.feed, { ...schedule, expression: '0 0 * ? * *' }).tickOk).toBe(false)
    expect(compareIntake(plan, plan.hook, plan.feed, null)).toMatchObject({ tickOk: false, tickExpression: null })
  })

  it('counts the customer changes schedule in tickOk when it was read', () => {
    const changes = { ...schedule, id: plan.changesSchedule.id, request: plan.changesSchedule.request }
    expect(compareIntake(plan, plan.hook, plan.feed, schedule, changes).tickOk).toBe(true)
    expect(compareIntake(plan, plan.hook, plan.feed, schedule, null)).toMatchObject({ tickOk: false, ok: false })
    expect(compareIntake(plan, plan.hook, plan.feed, schedule, schedule).tickOk).toBe(false)
  })
})
