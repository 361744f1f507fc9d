/**
 * The app sets up its own order intake (`configureOrderIntake`, read back by `orderIntake`):
 *
 * - the **Hook** (§B.5): this workspace's `orderHook` route on the account's host, the intake
 *   statuses as a `FromWorkflow` filter, the `hookSecret` setting as the `x-ponte-hook-secret`
 *   header (VTEX sends the configured headers with every notification and with the ping it sends
 *   before accepting the configuration);
 * - **Feed v3** (§B.2): the same filter, VTEX's example queue (240 s visibility, 4 days kept);
 * - the **feed tick's schedule**: vtex.scheduler (clients/scheduler.ts) calls the `orderFeedTick`
 *   route with the `tickSecret` setting as `x-ponte-tick-secret`, on a Quartz expression (every
 *   minute by default), for ten years;
 * - the **customer changes tick's schedule** (customers/changes.ts): the same, calling the
 *   `customerChangesTick` route, so customers changed in VTEX reach the ERP. It is part of the
 *   intake's `tickOk` (both schedules as planned).
 *
 * Each is written with VTEX's create-or-replace call (hook and feed `POST .../config`, scheduler
 * `PUT` by id), so running it again changes nothing; then each is read back and compared. Feed
 * and hook belong to the credential that configures them (one of each per app key, §B.1): they
 * are configured with the app's own token, the one the feed tick reads the feed with.
 *
 * Nothing here logs or returns a secret.
 */
import type { Context } from '../clients'
import type { FeedConfig, HookConfig } from '../clients/oms'
import { OmsError } from '../clients/oms'
import type { ScheduleConfig, ScheduleInfo } from '../clients/scheduler'
import { PonteError } from '../lib/errors'
import { requireBackgroundWorkspace } from '../lib/workspace'
import { appId } from '../sso'
import { allStatuses } from './core'
import { readSettings } from './deps'
import type { OrdersSettings } from './settings'
import { SECRET_HEADER, TICK_SECRET_HEADER } from './settings'

/** `hookSecret` or `tickSecret` is missing (or refused by the runtime checks of settings.ts). */
export const INTAKE_SETTINGS_MISSING = 'INTAKE_SETTINGS_MISSING'
/** VTEX refused a configuration (e.g. the hook's ping failed): extensions carry VTEX's status. */
export const INTAKE_CONFIG_REFUSED = 'INTAKE_CONFIG_REFUSED'
/** A tick expression that is not Quartz cron (6 or 7 fields). */
export const TICK_EXPRESSION_INVALID = 'TICK_EXPRESSION_INVALID'

/** service.json's routes (setup.test.ts checks them against the file). */
export const HOOK_PATH = '/_v/ponte/orders/hook'
export const TICK_PATH = '/_v/ponte/orders/feed/tick'
export const TICK_SCHEDULE_ID = 'ponte-orders-feed-tick'
/** Every minute, at second 0 (Quartz: sec min hour day-of-month month day-of-week). */
export const DEFAULT_TICK_EXPRESSION = '0 * * ? * *'
export const CHANGES_TICK_PATH = '/_v/ponte/customers/changes-tick'
export const CHANGES_SCHEDULE_ID = 'ponte-customers-changes-tick'

/** What Ponte writes to VTEX for one account and workspace. */
export interface IntakePlan {
  hook: HookConfig
  feed: FeedConfig
  schedule: ScheduleConfig
  /** The customer changes tick (VTEX to ERP). */
  changesSchedule: ScheduleConfig
}

/** What `orderIntake` and `configureOrderIntake` answer. */
export interface OrderIntake {
  hookUrl: string | null
  hookOk: boolean
  feedOk: boolean
  tickExpression: string | null
  tickNextExecution: string | null
  tickOk: boolean
  statuses: string[]
  ok: boolean
}

/**
 * `https://{workspace}--{account}.myvtex.com`, master included: the account's bare host is
 * split between workspaces during an A/B test, and only the owner of background work may take
 * the hook and the tick (lib/workspace.ts).
 */
export function publicHost(account: string, workspace: string): string {
  return `https://${workspace}--${account}.myvtex.com`
}

/** Quartz cron: 6 or 7 fields of the characters Quartz uses. */
export function checkTickExpression(expression: string): string {
  const fields = expression.trim().split(/\s+/)
  if (fields.length < 6 || fields.length > 7 || !fields.every((f) => /^[0-9A-Za-z*?,/#-]+$/.test(f))) {
    throw new PonteError(TICK_EXPRESSION_INVALID, 'tickExpression must be a Quartz cron expression: sec min hour day-of-month month day-of-week [year]')
  }
  return fields.join(' ')
}

/** The three configurations for these settings, or INTAKE_SETTINGS_MISSING. */
export function intakePlan(settings: OrdersSettings, account: string, workspace: string, expression: string, now: Date): IntakePlan {
  const missing = [settings.hookSecret ? null : 'hookSecret', settings.tickSecret ? null : 'tickSecret'].filter((m): m is string => m !== null)
  if (missing.length > 0 || !settings.hookSecret || !settings.tickSecret) {
    throw new PonteError(
      INTAKE_SETTINGS_MISSING,
      `set ${missing.join(' and ')} in the app's settings first (at least 16 characters each, all different from each other and from the ERP token)`
    )
  }
  const host = publicHost(account, workspace)
  const own = settings.filter?.type === 'FromWorkflow' ? settings.filter.status : null
  const filter = { type: 'FromWorkflow' as const, status: own ?? allStatuses() }
  const end = new Date(now.getTime())
  end.setUTCFullYear(end.getUTCFullYear() + 10)
  const tick = (id: string, path: string): ScheduleConfig => ({
    id,
    scheduler: { expression: checkTickExpression(expression), endDate: end.toISOString() },
    retry: { delay: { addMinutes: 1, addHours: 0, addDays: 0 }, times: 2, backOffRate: 2 },
    request: { uri: `${host}${path}`, method: 'POST', headers: { [TICK_SECRET_HEADER]: settings.tickSecret ?? '' }, body: {} },
  })
  return {
    hook: { filter, hook: { url: `${host}${HOOK_PATH}`, headers: { [SECRET_HEADER]: settings.hookSecret } } },
    feed: { filter, queue: { visibilityTimeoutInSeconds: 240, MessageRetentionPeriodInSeconds: 345600 } },
    schedule: tick(TICK_SCHEDULE_ID, TICK_PATH),
    changesSchedule: tick(CHANGES_SCHEDULE_ID, CHANGES_TICK_PATH),
  }
}

const sameStatuses = (a: string[] | undefined, b: string[] | undefined) =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort())

const header = (headers: Record<string, string> | undefined, name: string) =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1]

const scheduleOk = (planned: ScheduleConfig, held: ScheduleInfo | null) =>
  held !== null &&
  held.request?.uri === planned.request.uri &&
  held.expression === planned.scheduler.expression &&
  header(held.request?.headers, TICK_SECRET_HEADER) === planned.request.headers[TICK_SECRET_HEADER]

/** Compares what VTEX holds with the plan (`changes`: the customer changes schedule, when read). */
export function compareIntake(
  plan: IntakePlan,
  hook: HookConfig | null,
  feed: FeedConfig | null,
  schedule: ScheduleInfo | null,
  changes?: ScheduleInfo | null
): OrderIntake {
  const hookOk =
    hook !== null &&
    hook.hook?.url === plan.hook.hook.url &&
    hook.filter?.type === plan.hook.filter.type &&
    sameStatuses(hook.filter?.status, plan.hook.filter.status) &&
    header(hook.hook?.headers, SECRET_HEADER) === plan.hook.hook.headers?.[SECRET_HEADER]
  const feedOk = feed !== null && feed.filter?.type === plan.feed.filter.type && sameStatuses(feed.filter?.status, plan.feed.filter.status)
  const tickOk = scheduleOk(plan.schedule, schedule) && (changes === undefined || scheduleOk(plan.changesSchedule, changes))
  return {
    hookUrl: hook?.hook?.url ?? null,
    hookOk,
    feedOk,
    tickExpression: schedule?.expression ?? null,
    tickNextExecution: schedule?.NextExecution ?? null,
    tickOk,
    statuses: plan.hook.filter.status ?? [],
    ok: hookOk && feedOk && tickOk,
  }
}

function refused(what: string, e: unknown): PonteError {
  const status = e instanceof OmsError ? e.status : ((e as { response?: { status?: number } }).response?.status ?? 0)
  const error = new PonteError(INTAKE_CONFIG_REFUSED, `VTEX refused the ${what} configuration (status ${status})`)
  Object.assign(error.extensions, { status, what })
  return error
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    throw refused(what, e)
  }
}

async function readBack(ctx: Context, plan: IntakePlan): Promise<OrderIntake> {
  const [hook, feed, schedule, changes] = await Promise.all([
    step('hook', () => ctx.clients.oms.hookConfig()),
    step('feed', () => ctx.clients.oms.feedConfig()),
    step('schedule', () => ctx.clients.scheduler.get(appId(), TICK_SCHEDULE_ID)),
    step('schedule', () => ctx.clients.scheduler.get(appId(), CHANGES_SCHEDULE_ID)),
  ])
  return compareIntake(plan, hook, feed, schedule, changes)
}

/** Writes the hook, the feed and the schedule, then reads them back. */
export async function configureIntake(ctx: Context, expression: string | null | undefined): Promise<OrderIntake> {
  const settings = await readSettings(ctx)
  requireBackgroundWorkspace(settings.backgroundWorkspace, ctx.vtex.workspace, 'configureOrderIntake')
  const plan = intakePlan(settings, ctx.vtex.account, ctx.vtex.workspace, expression ?? DEFAULT_TICK_EXPRESSION, new Date())
  // The hook last but one: VTEX pings it before storing, so the route must already answer.
  await step('feed', () => ctx.clients.oms.setFeedConfig(plan.feed))
  await step('hook', () => ctx.clients.oms.setHookConfig(plan.hook))
  await step('schedule', () => ctx.clients.scheduler.put(appId(), plan.schedule))
  await step('schedule', () => ctx.clients.scheduler.put(appId(), plan.changesSchedule))
  return readBack(ctx, plan)
}

/** Reads what VTEX holds and compares it with what `configureIntake` would write now. */
export async function readIntake(ctx: Context): Promise<OrderIntake> {
  const settings = await readSettings(ctx)
  const current = await step('schedule', () => ctx.clients.scheduler.get(appId(), TICK_SCHEDULE_ID))
  const plan = intakePlan(settings, ctx.vtex.account, ctx.vtex.workspace, current?.expression ?? DEFAULT_TICK_EXPRESSION, new Date())
  return readBack(ctx, plan)
}
