/**
 * Runs the service locally under the real @vtex/api runtime, laid out the way VTEX IO lays it out.
 *
 *   npm run launch            (from node/; builds first)
 *
 * Environment:
 *   PONTE_SIM_URL    http://127.0.0.1:PORT of a running ponte-sim; becomes HTTP_PROXY, so the
 *                    service's unmodified VTEX calls reach the simulator. Unset: no proxy.
 *   VTEX_ACCOUNT     account the service runs for (default: ponte)
 *   VTEX_WORKSPACE   workspace (default: master)
 *   PONTE_APP_DIR    scratch directory for the layout (default: <repo>/.ponte/app)
 *   PONTE_PORT       port the worker serves on (default 5050, the runtime's fixed port)
 *   PONTE_UP_PORT    port of the stand-in status endpoint (default 5000, the runtime's)
 *
 * What it does: copies the compiled service (node/.build) to ./service/src/node, writes
 * ./service/service.json (adding the `__graphql` route the platform adds), concatenates
 * graphql/*.graphql into ./service/schema.graphql and links ./service/node_modules, all under
 * PONTE_APP_DIR; answers the runtime's `POST localhost:5000/_up` (and prints a ready line when it
 * arrives); then, from PONTE_APP_DIR, calls the runtime's own startApp(): a cluster master that
 * forks a worker serving http://localhost:5050/:account/:workspace/... . The worker re-runs this
 * file, which then only starts the runtime. Stop it with SIGINT (SIGTERM waits out a 30 s grace
 * period and keeps port 5050 busy meanwhile).
 *
 * Several replicas on one machine: the runtime hard-codes its ports (5050 to serve, 5000 for the
 * up signal), which on VTEX IO each replica has to itself in its container. PONTE_PORT and
 * PONTE_UP_PORT play the container's port mapping: before the runtime is loaded, a listen on 5050
 * becomes a listen on PONTE_PORT and the worker's `POST localhost:5000/_up` goes to PONTE_UP_PORT.
 * Nothing else of the runtime is touched.
 */
import cluster from 'cluster'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs'
import http, { createServer } from 'http'
import net from 'net'
import { dirname, join, resolve } from 'path'

const RUNTIME_PORT = 5050
const RUNTIME_UP_PORT = 5000

function envPort(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`launch: ${name}=${raw} is not a port`)
  return port
}

const PORT = envPort('PONTE_PORT', RUNTIME_PORT)
const UP_PORT = envPort('PONTE_UP_PORT', RUNTIME_UP_PORT)

/** The line printed once the runtime's first worker is up; tests wait for it. */
export const READY_LINE = `ponte-service ready on http://localhost:${PORT}`

/** The container's port mapping (see the header): only the two runtime ports are rewritten. */
function mapRuntimePorts(): void {
  if (PORT !== RUNTIME_PORT) {
    const listen = net.Server.prototype.listen
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      if (args[0] === RUNTIME_PORT) args[0] = PORT
      return (listen as (...a: unknown[]) => net.Server).apply(this, args)
    } as typeof listen
  }
  if (UP_PORT !== RUNTIME_UP_PORT) {
    const request = http.request
    http.request = function (this: unknown, ...args: unknown[]) {
      const options = args[0] as http.RequestOptions | undefined
      if (options && typeof options === 'object' && !(options instanceof URL) && options.port === RUNTIME_UP_PORT && options.path === '/_up') {
        args[0] = { ...options, port: UP_PORT }
      }
      return (request as (...a: unknown[]) => http.ClientRequest).apply(this, args)
    } as typeof request
  }
}

/** node/ (this file runs from node/.build/scripts). */
function nodeDir(): string {
  let dir = __dirname
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'service.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`launch: cannot find node/ above ${__dirname}`)
    dir = up
  }
  return dir
}

/** The platform rewrites these cache-control names; the runtime itself only takes integers. */
function rewriteCacheControl(sdl: string): string {
  const seconds: Record<string, number> = { SHORT: 120, MEDIUM: 3600, LONG: 86400 }
  return sdl.replace(/maxAge:\s*(SHORT|MEDIUM|LONG)\b/g, (_m, name: string) => `maxAge: ${seconds[name]}`)
}

function layOut(node: string, repo: string, appDir: string): void {
  const service = join(appDir, 'service')
  rmSync(service, { recursive: true, force: true })
  mkdirSync(join(service, 'src'), { recursive: true })

  const build = join(node, '.build')
  if (!existsSync(join(build, 'index.js'))) throw new Error(`launch: ${build}/index.js is missing; run npm run build`)
  cpSync(build, join(service, 'src', 'node'), {
    recursive: true,
    filter: (src) => !src.startsWith(join(build, 'scripts')) && !src.endsWith('.map'),
  })

  const serviceJson = JSON.parse(readFileSync(join(node, 'service.json'), 'utf8'))
  serviceJson.routes = { ...serviceJson.routes, __graphql: { path: '/_v/graphql' } }
  writeFileSync(join(service, 'service.json'), JSON.stringify(serviceJson, null, 2))

  const graphqlDir = join(repo, 'graphql')
  const sdl = readdirSync(graphqlDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(graphqlDir, f), 'utf8'))
    .join('\n')
  writeFileSync(join(service, 'schema.graphql'), rewriteCacheControl(sdl))

  symlinkSync(join(node, 'node_modules'), join(service, 'node_modules'), 'dir')
}

/** Stands in for the platform's status endpoint the first worker reports to. */
function answerUp(): void {
  let announced = false
  createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{}')
      if (req.method === 'POST' && req.url === '/_up' && !announced) {
        announced = true
        console.log(READY_LINE)
      }
    })
  })
    .listen(UP_PORT, 'localhost')
    .unref()
}

function main(): void {
  const node = nodeDir()
  const repo = dirname(node)
  const appDir = resolve(process.env.PONTE_APP_DIR ?? join(repo, '.ponte', 'app'))

  if (cluster.isPrimary) {
    const manifest = JSON.parse(readFileSync(join(repo, 'manifest.json'), 'utf8'))
    const simUrl = process.env.PONTE_SIM_URL
    // The runtime reads these when @vtex/api is first required: set them before, here in the
    // master, and the forked worker inherits them (and the working directory).
    Object.assign(process.env, {
      VTEX_APP_ID: `${manifest.vendor}.${manifest.name}@${manifest.version}`,
      VTEX_APP_VENDOR: manifest.vendor,
      VTEX_APP_NAME: manifest.name,
      VTEX_APP_VERSION: manifest.version,
      VTEX_ACCOUNT: process.env.VTEX_ACCOUNT ?? 'ponte',
      VTEX_WORKSPACE: process.env.VTEX_WORKSPACE ?? 'master',
      VTEX_REGION: process.env.VTEX_REGION ?? 'local',
      // Set on VTEX IO: infra clients (Apps, for the app's settings) then call
      // http://infra.io.vtex.com/apps/v0/... instead of https, so they go through HTTP_PROXY too
      // (axios only uses HTTPS_PROXY for https URLs).
      VTEX_IO: 'true',
      VTEX_PRODUCTION: 'false',
      // Linked mode: one worker and no re-fork, so a crash shows instead of looping.
      VTEX_APP_LINK: 'true',
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      ...(simUrl ? { HTTP_PROXY: simUrl, http_proxy: simUrl, NO_PROXY: 'localhost,127.0.0.1', no_proxy: 'localhost,127.0.0.1' } : {}),
    })
    layOut(node, repo, appDir)
    answerUp()
    console.log(
      `ponte-service: app ${process.env.VTEX_APP_ID} laid out in ${appDir}; account ${process.env.VTEX_ACCOUNT}, ` +
        `workspace ${process.env.VTEX_WORKSPACE}, proxy ${simUrl ?? '(none)'}`
    )
  }
  process.chdir(appDir)
  mapRuntimePorts()
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { startApp } = require('@vtex/api/lib/service') as { startApp: () => void }
  startApp()
}

main()
