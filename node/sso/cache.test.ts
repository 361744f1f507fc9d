import { ExpiringLru } from './cache'

describe('ExpiringLru', () => {
  it('expires each entry at its own time and evicts the least recently used', () => {
    let now = 0
    const lru = new ExpiringLru<string>(2, () => now)
    lru.set('a', 'A', 10)
    lru.set('b', 'B', 5)
    expect(lru.get('a')).toBe('A')
    lru.set('c', 'C', 10) // b is the least recently used
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['A', undefined, 'C'])
    now = 10
    expect(lru.get('a')).toBeUndefined()
    expect(lru.size).toBe(1)
    lru.set('d', 'D', 10) // already expired: not stored
    expect(lru.get('d')).toBeUndefined()
  })
})
