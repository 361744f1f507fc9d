/** Time, injectable so that tests run on fake timers. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  random: () => Math.random(),
}
