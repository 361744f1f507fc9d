/**
 * Starting and stopping the real parts: ponte-sim and the service under the @vtex/api runtime.
 * Each is spawned in its own process group so a straggler (the runtime's worker) can be killed
 * with the group; output is kept for the failure message and written next to the data.
 */
import { ChildProcess, spawn } from 'child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'fs'
import { createConnection } from 'net'
import { tmpdir } from 'os'
import { join, resolve } from 'path'

export const REPO = resolve(__dirname, '..', '..')

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

export interface Running {
  child: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  /** SIGINT, then SIGKILL to the whole group after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL to the whole group at once: a crash, no shutdown of any kind. */
  kill(): Promise<void>
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Running {
  const child = spawn(command, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const log = createWriteStream(logFile, { flags: 'a' })
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      log.write(chunk)
    })
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    child,
    output: () => text,
    async stop(graceMs = 10000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGINT')
      const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), graceMs).unref())
      if ((await Promise.race([exited, timer])) === 'timeout') {
        try {
          process.kill(-(child.pid as number), 'SIGKILL')
        } catch {
          // already gone
        }
        await exited
      }
      log.end()
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      try {
        process.kill(-(child.pid as number), 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
      await exited
      log.end()
    },
  }
}

async function waitFor(proc: Running, pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = proc.output().match(pattern)
    if (match) return match
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${what} exited before it was ready:\n${proc.output()}`)
    }
    if (Date.now() > deadline) {
      await proc.stop()
      throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${proc.output()}`)
    }
    await new Promise((done) => setTimeout(done, 50))
  }
}

export interface Sim extends Running {
  url: string
  port: number
}

/** Starts ponte-sim on `dataDir` (port 0 = any free port) and waits for its listening line. */
export async function startSim(dataDir: string, port = 0): Promise<Sim> {
  const bin = resolve(REPO, process.env.PONTE_SIM_BIN ?? 'target/debug/ponte-sim')
  if (!existsSync(bin)) {
    throw new Error(`ponte-sim not found at ${bin}: build it (cargo build -p ponte-sim) or set PONTE_SIM_BIN`)
  }
  // The app's manifest: the sim refuses the service's calls its policies do not allow.
  const argv = ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--app-manifest', join(REPO, 'manifest.json')]
  const proc = run(bin, argv, process.env, join(dataDir, '..', 'sim.log'))
  const match = await waitFor(proc, /ponte-sim listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'ponte-sim', 30000)
  return { ...proc, url: match[1], port: Number(match[2]) }
}

/** Whether something accepts connections on localhost:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

/** Starts the service through node/'s launcher with the sim as its HTTP proxy; waits until it serves. */
export async function startService(opts: {
  simUrl: string
  account: string
  workspace: string
  appDir: string
  /** The replica's port (default 5050) and its up-signal port (default 5000); see node/scripts/launch.ts. */
  port?: number
  upPort?: number
  /** More environment for this replica (test-only hooks: PONTE_CLOCK_SKEW_MS, PONTE_FAULT_EXIT_AT, node/lib/faults.ts). */
  env?: NodeJS.ProcessEnv
}): Promise<Running> {
  const port = opts.port ?? 5050
  const upPort = opts.upPort ?? 5000
  for (const busy of [port, upPort]) {
    if (await portInUse(busy)) throw new Error(`port ${busy} is busy: is another ponte service (or a stale runtime) running?`)
  }
  const launcher = join(REPO, 'node', '.build', 'scripts', 'launch.js')
  if (!existsSync(launcher)) throw new Error(`${launcher} is missing: run npm run build in node/`)
  const env = {
    ...process.env,
    PONTE_SIM_URL: opts.simUrl,
    VTEX_ACCOUNT: opts.account,
    VTEX_WORKSPACE: opts.workspace,
    PONTE_APP_DIR: opts.appDir,
    PONTE_PORT: String(port),
    PONTE_UP_PORT: String(upPort),
    ...opts.env,
  }
  const proc = run(process.execPath, [launcher], env, join(opts.appDir, '..', 'service.log'))
  await waitFor(proc, /ponte-service ready on/, 'the service', 60000)
  return proc
}

/**
 * ponte-sim with more command-line arguments than `startSim` gives (e.g. `--seed demo
 * --account ACCOUNT`), on `dataDir` and any free port.
 */
export async function startSeededSim(dataDir: string, args: string[]): Promise<Sim> {
  const bin = resolve(REPO, process.env.PONTE_SIM_BIN ?? 'target/debug/ponte-sim')
  if (!existsSync(bin)) throw new Error(`ponte-sim not found at ${bin}: run make sim or set PONTE_SIM_BIN`)
  const argv = ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--app-manifest', join(REPO, 'manifest.json'), ...args]
  const proc = run(bin, argv, process.env, join(dataDir, '..', 'sim.log'))
  const ready = await waitFor(proc, /ponte-sim listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'ponte-sim', 30000)
  return { ...proc, url: ready[1], port: Number(ready[2]) }
}

/**
 * A suite's files: a fresh work directory (`ponte-{name}-e2e-…` under the system's temp dir) and
 * the simulator's data directory in it; tearDown removes them.
 */
export function workDir(name: string): { work: string; dataDir: string } {
  const work = mkdtempSync(join(tmpdir(), `ponte-${name}-e2e-`))
  const dataDir = join(work, 'sim-data')
  mkdirSync(dataDir)
  return { work, dataDir }
}

/**
 * A suite's end: stops its services, then the sim, then removes its work directory
 * (PONTE_E2E_KEEP=1 keeps it, with the sim.log and service logs beside the data).
 */
export async function tearDown(work: string, services: Array<Running | undefined>, sim: Running | undefined): Promise<void> {
  for (const s of services) await s?.stop()
  await sim?.stop()
  if (!process.env.PONTE_E2E_KEEP) rmSync(work, { recursive: true, force: true })
  else console.log(`e2e files kept in ${work}`)
}
