/** The hook bench's reference route: off unless switched on, the secret, exactly one VBase write. */
import { Readable } from 'stream'

import type { Context } from '../clients'
import { settingsCache } from '../orders/settings'
import { mockContext } from '../test-support/mockContext'
import { BENCH_BUCKET, benchRoutesEnabled, benchWrite } from './benchWrite'
import { SECRET_HEADER } from './orders'

const SECRET = 'a-secret-of-sixteen-chars'

beforeEach(() => settingsCache.clear())

function call(headers: Record<string, string>) {
  const writes: Array<{ bucket: string; path: string; data: unknown }> = []
  const ctx = mockContext({ request: { headers, settings: { hookSecret: SECRET } } }) as Context & { status?: number; body?: unknown }
  ;(ctx.clients as unknown as { vbase: unknown }).vbase = {
    saveJSON: async (bucket: string, path: string, data: unknown) => void writes.push({ bucket, path, data }),
  }
  ;(ctx as unknown as { req: Readable }).req = Readable.from([Buffer.from('{"OrderId":"v1-01"}')])
  return { ctx, writes }
}

describe('benchWrite', () => {
  it('is served only with PONTE_BENCH_ROUTES=1', () => {
    expect(benchRoutesEnabled({})).toBe(false)
    expect(benchRoutesEnabled({ PONTE_BENCH_ROUTES: 'true' })).toBe(false)
    expect(benchRoutesEnabled({ PONTE_BENCH_ROUTES: '1' })).toBe(true)
  })

  it('needs the hook secret, then writes once and answers', async () => {
    const refused = call({})
    await benchWrite(refused.ctx, async () => undefined)
    expect(refused.ctx.status).toBe(401)
    expect(refused.writes).toHaveLength(0)
    const ok = call({ [SECRET_HEADER]: SECRET })
    await benchWrite(ok.ctx, async () => undefined)
    expect(ok.ctx.status).toBe(200)
    expect(ok.writes).toHaveLength(1)
    expect(ok.writes[0]).toMatchObject({ bucket: BENCH_BUCKET, path: expect.stringMatching(/^ref\/[0-9a-f]{40}\.json$/) })
  })
})
