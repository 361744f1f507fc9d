/** The customer changes tick route over fakes: its secret, the background workspace, the ERP endpoint. */
import type { Context } from '../clients'
import type { MdDocument, SearchPage } from '../clients/masterData'
import type { ChangesDeps, CustomerChange } from '../customers/changes'
import { settingsCache } from '../orders/settings'
import { FakeKv } from '../test-support/fakeKv'
import { mockContext } from '../test-support/mockContext'
import { customerChangesTick, ERP_ENDPOINT_MISSING } from './customerChanges'
import { TICK_SECRET_HEADER } from './orders'

const TICK_SECRET = 'the-tick-secret-of-its-own'
const SETTINGS = { tickSecret: TICK_SECRET, erpEndpoint: 'https://erp.example.com' }

function call(headers: Record<string, string>, settings: unknown = SETTINGS) {
  return mockContext({ request: { headers, settings } }) as Context & { status?: number; body?: unknown }
}

function fakes() {
  const received: CustomerChange[] = []
  const doc: MdDocument = { id: 'cl-1', email: 'a@example.com', updatedIn: '2026-01-01T00:00:00.0000000Z' }
  const deps: ChangesDeps = {
    md: { search: async <T extends MdDocument>() => ({ documents: [doc], total: 1 }) as SearchPage<T> },
    records: new FakeKv(),
    deliver: async (c) => {
      received.push(c)
      return true
    },
    owner: 'test',
  }
  return { received, deps }
}

beforeEach(() => settingsCache.clear())

describe('customerChangesTick', () => {
  it('refuses without the tick secret (401 TICK_SECRET_INVALID) and pulls nothing', async () => {
    const { received, deps } = fakes()
    const attempts: Array<Record<string, string>> = [{}, { [TICK_SECRET_HEADER]: 'the-tick-secret-of-its-owN' }]
    for (const headers of attempts) {
      const ctx = call(headers)
      await customerChangesTick(async () => deps)(ctx, async () => undefined)
      expect(ctx.status).toBe(401)
      expect(ctx.body).toMatchObject({ code: 'TICK_SECRET_INVALID' })
    }
    expect(received).toHaveLength(0)
  })

  it('runs one pull with the secret', async () => {
    const { received, deps } = fakes()
    const ctx = call({ [TICK_SECRET_HEADER]: TICK_SECRET })
    await customerChangesTick(async () => deps)(ctx, async () => undefined)
    expect(ctx.status).toBe(200)
    expect(ctx.body).toMatchObject({ skipped: null, delivered: 1, echoes: 0, failed: 0 })
    expect(received.map((c) => c.deliveryId)).toEqual(['cl-1:2026-01-01T00:00:00.0000000Z'])
  })

  it('does nothing outside the background workspace, or without an ERP endpoint', async () => {
    const { received, deps } = fakes()
    const elsewhere = call({ [TICK_SECRET_HEADER]: TICK_SECRET }, { ...SETTINGS, backgroundWorkspace: 'ab-new' })
    await customerChangesTick(async () => deps)(elsewhere, async () => undefined)
    expect(elsewhere.body).toMatchObject({ skipped: 'NOT_BACKGROUND_WORKSPACE', delivered: 0 })
    settingsCache.clear()
    const none = call({ [TICK_SECRET_HEADER]: TICK_SECRET })
    await customerChangesTick(async () => null)(none, async () => undefined)
    expect(none.body).toMatchObject({ skipped: ERP_ENDPOINT_MISSING, delivered: 0 })
    expect(received).toHaveLength(0)
  })
})
