/** The order record store: If-Match on every update, never a blind write. */
import { StaleWrite } from '../lib/vbase'
import { FakeKv } from '../test-support/fakeKv'
import { testClock } from '../test-support/fakeOrders'
import type { OrderRecord } from './store'
import { ORDER_RECORD_NO_ETAG, OrderStore, paths } from './store'

const ID = 'v2001pnt-01'

function seeded(kv: FakeKv, extra: Partial<OrderRecord> = {}) {
  const record = { version: 1, orderId: ID, createdAt: '2020-01-01T00:00:00.000Z', createdBy: 'x', updatedAt: '', outbox: [], done: [], log: [], ...extra }
  kv.files.set(paths.order(ID), { body: JSON.stringify(record), etag: '"seed"' })
}

const store = (kv: FakeKv, casAttempts = 4) => new OrderStore(kv, testClock(0), { settleMs: 0, casAttempts, owner: 'me' })
const touch = (note: string) => ({ record }: { record: OrderRecord }) => ({ write: { ...record, done: [...record.done, note] }, result: note })

describe('OrderStore.update', () => {
  it('reads again when an ETag is missing, and writes with the ETag of the read that had one', async () => {
    const kv = new FakeKv()
    seeded(kv)
    kv.dropEtags = 2
    const puts: Array<string | undefined> = []
    const put = kv.put.bind(kv)
    kv.put = (path, data, ifMatch) => {
      puts.push(ifMatch)
      return put(path, data, ifMatch)
    }
    await expect(store(kv).update(ID, touch('a'))).resolves.toBe('a')
    expect(puts).toEqual(['"seed"'])
    expect(kv.json<OrderRecord>(paths.order(ID))?.done).toEqual(['a'])
  })

  it('refuses to write blindly when every read lacks the ETag (ORDER_RECORD_NO_ETAG), and writes nothing', async () => {
    const kv = new FakeKv()
    seeded(kv)
    kv.dropEtags = 1000
    const err = await store(kv, 3).update(ID, touch('a')).catch((e) => e)
    expect(err).toMatchObject({ code: ORDER_RECORD_NO_ETAG })
    expect(kv.writes).toBe(0)
  })

  it('answers a 412 by reloading and computing the change again, never overwriting the other write', async () => {
    const kv = new FakeKv()
    seeded(kv)
    let raced = false
    const s = store(kv)
    const result = await s.update(ID, async (loaded) => {
      if (!raced) {
        raced = true
        // Another replica writes between this read and this write.
        await kv.put(paths.order(ID), { ...loaded.record, done: ['theirs'] }, loaded.etag ?? undefined)
      }
      return touch('mine')(loaded)
    })
    expect(result).toBe('mine')
    expect(kv.json<OrderRecord>(paths.order(ID))?.done).toEqual(['theirs', 'mine'])
  })

  it('gives up with StaleWrite after casAttempts 412s', async () => {
    const kv = new FakeKv()
    seeded(kv)
    const s = store(kv, 2)
    const err = await s
      .update(ID, async (loaded) => {
        await kv.put(paths.order(ID), { ...loaded.record }, loaded.etag ?? undefined)
        return touch('mine')(loaded)
      })
      .catch((e) => e)
    expect(err).toBeInstanceOf(StaleWrite)
    expect(kv.json<OrderRecord>(paths.order(ID))?.done).toEqual([])
  })
})

describe('OrderStore.read across skewed clocks', () => {
  const fresh = (kv: FakeKv, createdAt: string, createdBy: string) => {
    const record = { version: 1, orderId: ID, createdAt, createdBy, updatedAt: '', outbox: [], done: [], log: [] }
    kv.files.set(paths.order(ID), { body: JSON.stringify(record), etag: `"${createdBy}"` })
  }
  const skewed = (kv: FakeKv, clock: ReturnType<typeof testClock>) => new OrderStore(kv, clock, { settleMs: 1000, casAttempts: 4, owner: 'me', clockSkewMs: 4000 })

  it('waits for a record another clock dates ahead of its own at most settleMs, once per version', async () => {
    const kv = new FakeKv()
    // Created by a replica whose clock is 3 s ahead of this one's.
    fresh(kv, new Date(Date.now() + 3000).toISOString(), 'ahead')
    const clock = testClock(0)
    const s = skewed(kv, clock)
    await expect(s.read(ID)).resolves.toMatchObject({ record: { createdBy: 'ahead' } })
    expect(clock.slept).toEqual([1000])
    await s.read(ID)
    expect(clock.slept).toEqual([1000])
  })

  it('waits for a record its own clock dates 2 s old (another clock may be 4 s behind), and for a replacement again', async () => {
    const kv = new FakeKv()
    fresh(kv, new Date(Date.now() - 2000).toISOString(), 'behind')
    const clock = testClock(0)
    const s = skewed(kv, clock)
    const sleep = clock.sleep
    // A late blind create lands while this replica waits.
    clock.sleep = (ms) => {
      if (clock.slept.length === 0) fresh(kv, new Date(Date.now() - 1500).toISOString(), 'late')
      return sleep(ms)
    }
    await expect(s.read(ID)).resolves.toMatchObject({ record: { createdBy: 'late' } })
    expect(clock.slept).toHaveLength(2)
    expect(clock.slept.every((ms) => ms > 0 && ms <= 1000)).toBe(true)
    // Old by every clock: no wait.
    fresh(kv, new Date(Date.now() - 6000).toISOString(), 'old')
    await s.read(ID)
    expect(clock.slept).toHaveLength(2)
  })
})
