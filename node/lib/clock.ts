/** Time, injectable so that tests run on fake timers. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

/**
 * Test-only: `PONTE_CLOCK_SKEW_MS` (e.g. 2000 or -2000) moves this replica's clock, as a host
 * whose clock drifted would (tests/orders.e2e.test.ts runs replicas ±2 s apart). Unset: 0.
 * Only what reads {@link realClock} is moved; the runtime's own dates are not.
 */
export const CLOCK_SKEW_MS = Number.parseInt(process.env.PONTE_CLOCK_SKEW_MS ?? '0', 10) || 0

export const realClock: Clock = {
  now: () => Date.now() + CLOCK_SKEW_MS,
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  random: () => Math.random(),
}
