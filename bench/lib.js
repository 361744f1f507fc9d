// What the service benches share: starting a process in its own group with its output kept, and
// waiting for a line of it.
'use strict'
const { spawn } = require('child_process')
const fs = require('fs')
const path = require('path')

const REPO = path.resolve(__dirname, '..')

/** Starts `cmd` in its own process group (kill `-pid` to stop it all); its output is kept and logged. */
function spawnLogged(cmd, args, env, log) {
  const child = spawn(cmd, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const out = fs.createWriteStream(log)
  for (const s of [child.stdout, child.stderr]) s.on('data', (c) => { text += c; out.write(c) })
  return { child, output: () => text }
}

/** The first match of `re` in the process's output, within `ms`. */
async function waitFor(proc, re, what, ms) {
  const end = Date.now() + ms
  for (;;) {
    const m = proc.output().match(re)
    if (m) return m
    if (proc.child.exitCode !== null) throw new Error(`${what} exited:\n${proc.output()}`)
    if (Date.now() > end) throw new Error(`${what} not ready:\n${proc.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

module.exports = { REPO, spawnLogged, waitFor }
