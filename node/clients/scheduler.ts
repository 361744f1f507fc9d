/**
 * vtex.scheduler: VTEX sends a request on a schedule, the way a VTEX IO app runs recurring work
 * (its replicas have no timer they can rely on). The API is the one VTEX's own app
 * vtex-apps/octopia-scheduler calls (node/clients/scheduler.ts there): through Janus
 * (`http://portal.vtexcommercestable.com.br`, `an={account}`), `version=4`, with the app's token
 * as `VtexIdclientAutCookie`:
 *
 * - `PUT /api/scheduler/{workspace}/{vendor.app}` creates or replaces a schedule by its `id`;
 * - `GET .../{id}` reads one (404: none), `DELETE .../{id}` removes one.
 *
 * VTEX publishes no reference page for it; ponte-sim plays it from that app
 * (crates/sim/src/vtex/scheduler/).
 */
import type { InstanceOptions, IOContext } from '@vtex/api'
import { ExternalClient } from '@vtex/api'

/** What a schedule sends, and when (Quartz cron, UTC). */
export interface ScheduleConfig {
  id: string
  scheduler: { expression: string; endDate: string }
  retry: { delay: { addMinutes: number; addHours: number; addDays: number }; times: number; backOffRate: number }
  request: { uri: string; method: 'POST' | 'PUT'; headers: Record<string, string>; body: unknown }
}

/** A schedule as VTEX reads it back. */
export interface ScheduleInfo {
  id: string
  expression: string
  endDate: string
  NextExecution?: string | null
  request: { uri: string; method: string; headers?: Record<string, string>; body?: unknown }
}

/** Every path this client calls; manifest.test.ts checks each has an outbound-access policy. */
export const SCHEDULER_PATHS = { schedules: '/api/scheduler/*' } as const

export const SCHEDULER_VERSION = '4'

export class Scheduler extends ExternalClient {
  constructor(context: IOContext, options?: InstanceOptions) {
    super('http://portal.vtexcommercestable.com.br', context, {
      ...options,
      params: { an: context.account, version: SCHEDULER_VERSION, ...options?.params },
      headers: {
        ...options?.headers,
        'X-Vtex-Use-Https': 'true',
        ...(context.authToken ? { VtexIdclientAutCookie: context.authToken } : {}),
      },
    })
  }

  private base(app: string): string {
    return `/api/scheduler/${encodeURIComponent(this.context.workspace)}/${encodeURIComponent(app)}`
  }

  public put(app: string, config: ScheduleConfig): Promise<ScheduleInfo> {
    return this.http.put<ScheduleInfo>(this.base(app), config, { metric: 'scheduler-put' })
  }

  public async get(app: string, id: string): Promise<ScheduleInfo | null> {
    try {
      return await this.http.get<ScheduleInfo>(`${this.base(app)}/${encodeURIComponent(id)}`, { metric: 'scheduler-get' })
    } catch (e) {
      if ((e as { response?: { status?: number } }).response?.status === 404) return null
      throw e
    }
  }
}
