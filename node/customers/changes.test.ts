import type { MdDocument, SearchPage } from '../clients/masterData'
import { FakeKv } from '../test-support/fakeKv'
import type { ChangesDeps, CustomerChange } from './changes'
import { CURSOR_PATH, LEASE_PATH, isEcho, pullCustomerChanges } from './changes'
import { writtenPath } from './sync'

/** Master Data's CL search, as far as the pull uses it: `updatedIn>=` / `is not null`, `_sort=updatedIn ASC`, REST-Range. */
class FakeMd {
  public readonly docs = new Map<string, MdDocument>()
  public searches = 0
  private tick = 0

  /** Writes a document the way Master Data does (updatedIn set on each write); `at` pins the instant. */
  public write(id: string, fields: Record<string, unknown>, at?: number): MdDocument {
    const ms = at ?? ++this.tick
    const doc = { ...(this.docs.get(id) ?? {}), ...fields, id, updatedIn: new Date(Date.UTC(2026, 0, 1) + ms).toISOString() }
    this.docs.set(id, doc)
    return doc
  }

  public async search<T extends MdDocument>(_ac: string, where: string, _fields: readonly string[], from = 0, size = 100, sort?: string): Promise<SearchPage<T>> {
    this.searches += 1
    expect(sort).toBe('updatedIn ASC')
    const m = /^updatedIn>=(\S+)$/.exec(where)
    if (!m) expect(where).toBe('updatedIn is not null')
    const all = [...this.docs.values()]
      .filter((d) => !m || String(d.updatedIn) >= m[1])
      .sort((a, b) => String(a.updatedIn).localeCompare(String(b.updatedIn)) || a.id.localeCompare(b.id))
    return { documents: all.slice(from, from + size) as T[], total: all.length }
  }
}

function setup(erpAnswers: (c: CustomerChange) => boolean = () => true) {
  const md = new FakeMd()
  const kv = new FakeKv()
  const received: CustomerChange[] = []
  const deps: ChangesDeps = {
    md,
    records: kv,
    deliver: async (c) => {
      const ok = erpAnswers(c)
      if (ok) received.push(c)
      return ok
    },
    owner: 'replica-a',
  }
  return { md, kv, received, deps }
}

const ids = (list: CustomerChange[]) => list.map((c) => c.deliveryId)

describe('pullCustomerChanges', () => {
  it('delivers each change once, in updatedIn order, with its deliveryId; a second pull delivers nothing; an edit is a new change', async () => {
    const { md, received, deps } = setup()
    for (let i = 0; i < 250; i++) md.write(`cl-${i}`, { email: `c${i}@example.com`, firstName: `N${i}` })
    const first = await pullCustomerChanges(deps)
    expect(first).toMatchObject({ skipped: null, delivered: 250, echoes: 0, failed: 0 })
    expect(new Set(ids(received)).size).toBe(250)
    expect(received.map((c) => c.updatedIn)).toEqual([...received.map((c) => c.updatedIn)].sort())
    expect(received[0]).toEqual({
      deliveryId: `cl-0:${md.docs.get('cl-0')?.updatedIn}`,
      id: 'cl-0',
      email: 'c0@example.com',
      updatedIn: md.docs.get('cl-0')?.updatedIn,
      profile: { email: 'c0@example.com', firstName: 'N0' },
    })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 0, echoes: 0 })
    expect(received).toHaveLength(250)
    md.write('cl-7', { firstName: 'Edited' })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 1 })
    expect(received[250]).toMatchObject({ id: 'cl-7', profile: { firstName: 'Edited' } })
    expect(received[250].deliveryId).not.toBe(received[7].deliveryId)
  })

  it("skips Ponte's own writes (the document equals Ponte's record) and delivers a shopper's edit of the same profile", async () => {
    const { md, kv, received, deps } = setup()
    md.write('cl-ponte', { email: 'p@example.com', firstName: 'Ana', phone: null })
    await kv.put(writtenPath('cl-ponte'), { email: 'p@example.com', profileId: 'cl-ponte', profile: { email: 'p@example.com', firstName: 'Ana' }, addresses: [] })
    md.write('cl-shopper', { email: 's@example.com', firstName: 'Bo' })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 1, echoes: 1 })
    expect(ids(received)).toEqual([expect.stringMatching(/^cl-shopper:/)])
    md.write('cl-ponte', { phone: '+5511999990000' })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 1, echoes: 0 })
    expect(received[1]).toMatchObject({ id: 'cl-ponte', profile: { phone: '+5511999990000' } })
  })

  it('survives a crash between the ERP 2xx and the cursor write: the same deliveryId again, never a second distinct one', async () => {
    const { md, kv, received, deps } = setup()
    for (let i = 0; i < 5; i++) md.write(`cl-${i}`, { email: `c${i}@example.com` })
    kv.failPuts.push({ prefix: CURSOR_PATH, times: 1 })
    await expect(pullCustomerChanges(deps)).rejects.toThrow('VBase 503')
    expect(ids(received)).toHaveLength(1)
    // The lease was given back on the way out: the next tick (any replica) resumes.
    const next = await pullCustomerChanges({ ...deps, owner: 'replica-b' })
    expect(next).toMatchObject({ delivered: 5 })
    expect(received).toHaveLength(6)
    expect(received[1].deliveryId).toBe(received[0].deliveryId)
    expect(new Set(ids(received)).size).toBe(5)
  })

  it('stops at an ERP refusal without moving the cursor past it; the next pull resumes there', async () => {
    let refuse = true
    const { md, received, deps } = setup((c) => !(refuse && c.id === 'cl-2'))
    for (let i = 0; i < 5; i++) md.write(`cl-${i}`, { email: `c${i}@example.com` })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 2, failed: 1 })
    refuse = false
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 3, failed: 0 })
    expect(received.map((c) => c.id)).toEqual(['cl-0', 'cl-1', 'cl-2', 'cl-3', 'cl-4'])
  })

  it('delivers every one of more than a page of documents changed at one instant', async () => {
    const { md, received, deps } = setup()
    for (let i = 0; i < 230; i++) md.write(`cl-${String(i).padStart(3, '0')}`, { email: `c${i}@example.com` }, 5)
    md.write('cl-late', { email: 'late@example.com' }, 9)
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 231 })
    expect(new Set(ids(received)).size).toBe(231)
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 0 })
  })

  it('does nothing while another replica holds a live lease; pulls once it has expired', async () => {
    const { md, kv, received, deps } = setup()
    md.write('cl-1', { email: 'a@example.com' })
    let now = 1000
    await kv.put(LEASE_PATH, { owner: 'replica-b', expiresAt: 2000 })
    expect(await pullCustomerChanges({ ...deps, now: () => now })).toMatchObject({ skipped: 'LEASE_HELD', delivered: 0 })
    expect(received).toHaveLength(0)
    now = 2001
    expect(await pullCustomerChanges({ ...deps, now: () => now })).toMatchObject({ skipped: null, delivered: 1 })
  })

  it('two replicas pulling at once (the lease record exists): one pulls, each change is delivered once', async () => {
    const { md, kv, received, deps } = setup()
    await kv.put(LEASE_PATH, { owner: 'nobody', expiresAt: 0 })
    kv.latency = () => Math.floor(Math.random() * 3)
    for (let i = 0; i < 40; i++) md.write(`cl-${i}`, { email: `c${i}@example.com` })
    const results = await Promise.all([pullCustomerChanges(deps), pullCustomerChanges({ ...deps, owner: 'replica-b' })])
    expect(results.filter((r) => r.skipped === 'LEASE_HELD')).toHaveLength(1)
    expect(received).toHaveLength(40)
    expect(new Set(ids(received)).size).toBe(40)
  })

  it('the first-ever pull on two replicas (no lease record: VBase has no create-if-absent) never delivers a second distinct change', async () => {
    for (let round = 0; round < 10; round++) {
      const { md, kv, received, deps } = setup()
      kv.latency = () => Math.floor(Math.random() * 3)
      for (let i = 0; i < 40; i++) md.write(`cl-${i}`, { email: `c${i}@example.com` })
      await Promise.all([pullCustomerChanges(deps), pullCustomerChanges({ ...deps, owner: 'replica-b' })])
      expect(new Set(ids(received)).size).toBe(40)
      await pullCustomerChanges(deps)
      expect(new Set(ids(received)).size).toBe(40)
    }
  })
})

describe('pullCustomerChanges settleMs', () => {
  it('leaves the documents changed in the last settleMs for a later pull (a sync writes its record after the CL)', async () => {
    const { md, received, deps } = setup()
    const t = (ms: number) => Date.UTC(2026, 0, 1) + ms
    md.write('cl-old', { email: 'o@example.com' }, 1000)
    md.write('cl-new', { email: 'n@example.com' }, 4500)
    expect(await pullCustomerChanges({ ...deps, settleMs: 3000, now: () => t(5000) })).toMatchObject({ delivered: 1 })
    expect(received.map((c) => c.id)).toEqual(['cl-old'])
    expect(await pullCustomerChanges({ ...deps, settleMs: 3000, now: () => t(7600) })).toMatchObject({ delivered: 1 })
    expect(received.map((c) => c.id)).toEqual(['cl-old', 'cl-new'])
  })
})

describe('isEcho', () => {
  const record = { email: 'a@example.com', profileId: 'x', profile: { email: 'a@example.com', firstName: 'A' }, addresses: [] }
  it('compares the CL fields, absent and null alike', () => {
    expect(isEcho({ id: 'x', email: 'a@example.com', firstName: 'A', phone: null, updatedIn: 't' }, record)).toBe(true)
    expect(isEcho({ id: 'x', email: 'a@example.com', firstName: 'B' }, record)).toBe(false)
    expect(isEcho({ id: 'x', email: 'a@example.com', firstName: 'A', isNewsletterOptIn: true }, record)).toBe(false)
    expect(isEcho({ id: 'x', email: 'a@example.com', firstName: 'A' }, null)).toBe(false)
  })
})

describe('a profile Ponte patched', () => {
  it('is not re-sent as a change, over a version the pull handled; a change someone made just before the PATCH still is', async () => {
    const { md, kv, received, deps } = setup()
    // A storefront sign-up, delivered.
    const signup = md.write('cl-s', { email: 's@example.com', firstName: 'S', phone: '+5511999990000' })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 1 })
    // Ponte patches it (lastName), its record holding the whole CL as the PATCH left it.
    md.write('cl-s', { lastName: 'Silva' })
    const after = { email: 's@example.com', firstName: 'S', phone: '+5511999990000', lastName: 'Silva' }
    await kv.put(writtenPath('cl-s'), { email: 's@example.com', profileId: 'cl-s', profile: { lastName: 'Silva' }, addresses: [], after, readUpdatedIn: signup.updatedIn })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 0, echoes: 1 })
    expect(received).toHaveLength(1)

    // The shopper edits, and Ponte patches over it before any pull: the pull never handled the
    // version Ponte read, so the document goes to the ERP (more, never fewer, deliveries).
    const edited = md.write('cl-s', { firstName: 'Sofia' })
    md.write('cl-s', { lastName: 'Souza' })
    await kv.put(writtenPath('cl-s'), {
      email: 's@example.com',
      profileId: 'cl-s',
      profile: { lastName: 'Souza' },
      addresses: [],
      after: { ...after, firstName: 'Sofia', lastName: 'Souza' },
      readUpdatedIn: edited.updatedIn,
    })
    expect(await pullCustomerChanges(deps)).toMatchObject({ delivered: 1, echoes: 0 })
    expect(received[1].profile).toMatchObject({ firstName: 'Sofia', lastName: 'Souza' })
  })
})
