/** The runtime checks of the orders settings the manifest's schema alone cannot guarantee. */
import { DEFAULT_TUNING, MIN_SECRET_LENGTH, ORDERS_SETTINGS_INVALID, parseSettings, SettingsCache } from './settings'

describe('secrets at runtime', () => {
  it('counts a secret shorter than the minimum as none (every call on its route refused)', () => {
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH - 1) }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: `  ${'x'.repeat(MIN_SECRET_LENGTH - 1)}  ` }).hookSecret).toBeNull()
    expect(parseSettings({ hookSecret: 'x'.repeat(MIN_SECRET_LENGTH) }).hookSecret).toBe('x'.repeat(MIN_SECRET_LENGTH))
    expect(parseSettings({ tickSecret: 't'.repeat(MIN_SECRET_LENGTH - 1) }).tickSecret).toBeNull()
    expect(parseSettings({ tickSecret: 't'.repeat(MIN_SECRET_LENGTH) }).tickSecret).toBe('t'.repeat(MIN_SECRET_LENGTH))
  })

  it('keeps one secret per direction: hook, tick and ERP token must all differ', () => {
    const secret = 'one-secret-for-two-routes'
    expect(parseSettings({ hookSecret: secret, tickSecret: secret })).toMatchObject({ hookSecret: null, tickSecret: null })
    expect(parseSettings({ tickSecret: secret, erpToken: secret })).toMatchObject({ tickSecret: null, erpToken: secret })
    expect(parseSettings({ hookSecret: secret, tickSecret: `${secret}-tick` })).toMatchObject({ hookSecret: secret, tickSecret: `${secret}-tick` })
  })

  it('refuses one secret for both directions: a hook secret equal to the ERP token counts as none', () => {
    const secret = 'the-same-secret-for-both'
    expect(parseSettings({ hookSecret: secret, erpToken: secret })).toMatchObject({ hookSecret: null, erpToken: secret })
    expect(parseSettings({ hookSecret: secret, erpToken: 'another-erp-token' }).hookSecret).toBe(secret)
  })

  it('matches the manifest schema minimum', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const manifest = require('../../manifest.json') as { settingsSchema: { properties: Record<string, { minLength?: number; pattern?: string }> } }
    expect(manifest.settingsSchema.properties.hookSecret.minLength).toBe(MIN_SECRET_LENGTH)
    expect(manifest.settingsSchema.properties.tickSecret.minLength).toBe(MIN_SECRET_LENGTH)
    expect(manifest.settingsSchema.properties.erpEndpoint.pattern).toBe('^https://')
  })
})

describe('erpEndpoint at runtime', () => {
  it('accepts https only, with no exception a setting could turn on', () => {
    expect(parseSettings({ erpEndpoint: 'https://erp.example.com/vtex/' }).erpEndpoint).toBe('https://erp.example.com/vtex')
    for (const refused of [
      'http://erp.example.com/vtex',
      'http://erp.ponte-sim.test/erp',
      'ftp://erp.example.com',
      'https://user:pass@erp.example.com',
      'https://erp.example.com/?token=x',
      'erp.example.com',
    ]) {
      expect(parseSettings({ erpEndpoint: refused, allowHttp: true, ordersTuning: { allowHttp: true } }).erpEndpoint).toBeNull()
    }
  })
})

describe('tunings that cannot work are refused when read', () => {
  it('refuses a claim shorter than the ERP timeout plus the Get order budget, with a stable code and the numbers', () => {
    const read = () => parseSettings({ ordersTuning: { claimMs: 20000, erpTimeoutMs: 15000, getOrderBudgetMs: 10000 } })
    expect(read).toThrow(expect.objectContaining({ code: ORDERS_SETTINGS_INVALID }))
    expect(read).toThrow(/claimMs \(20000 ms\) is shorter than erpTimeoutMs \+ getOrderBudgetMs \(15000 \+ 10000 = 25000 ms\)/)
    // Lowering a timeout alone makes a short claim possible again.
    expect(parseSettings({ ordersTuning: { claimMs: 20000, erpTimeoutMs: 10000 } }).tuning.claimMs).toBe(20000)
    expect(() => parseSettings({ ordersTuning: { erpTimeoutMs: 16000 } })).toThrow(expect.objectContaining({ code: ORDERS_SETTINGS_INVALID }))
  })

  it('accepts the defaults and a claim exactly as long as both', () => {
    expect(DEFAULT_TUNING.claimMs).toBeGreaterThanOrEqual(DEFAULT_TUNING.erpTimeoutMs + DEFAULT_TUNING.getOrderBudgetMs)
    expect(parseSettings({}).tuning).toEqual(DEFAULT_TUNING)
    expect(parseSettings({ ordersTuning: { claimMs: 12000, erpTimeoutMs: 7000, getOrderBudgetMs: 5000 } }).tuning.claimMs).toBe(12000)
  })

  it('is not cached: the settings read fails each time until they are fixed', async () => {
    const cache = new SettingsCache(60000)
    let raw: unknown = { ordersTuning: { claimMs: 1000 } }
    await expect(cache.get('a/master', async () => raw, 0)).rejects.toMatchObject({ code: ORDERS_SETTINGS_INVALID })
    raw = {}
    await expect(cache.get('a/master', async () => raw, 1)).resolves.toMatchObject({ tuning: { claimMs: DEFAULT_TUNING.claimMs } })
  })
})
