#!/usr/bin/env node
// The load generator: `node bench/gen/loadgen.mjs CONFIG.json`, one JSON line per event on stdout.
//
// Modes (config.mode):
//   fanout  R rooms x 2 clients write on an open-loop schedule, one step per entry of config.steps
//           ({rate, seconds}); latency runs from each write's *scheduled* time to the moment the
//           peer has received it, so a stalled server (or generator) cannot hide behind a
//           slower send rate. Stops early once a step's p99 exceeds config.stop_p99_ms or loses.
//           Clients replay hand-encoded updates and scan what they receive (replay.mjs), unless
//           config.replay is false (every client a real Y.Doc: the older, costlier generator).
//   idle    connect every client, report the time until all are synced, hold config.hold_s.
//   join    one writer builds config.history edits in room 0, then config.joins fresh clients
//           each time how long they take to connect and sync (config.cold: the writer leaves
//           first, so the server must load the offer from its store).
// Events: {"event":"mark","name":...} at phase boundaries (the driver samples /proc then),
// {"event":"step",...} per fan-out step, {"event":"result",...} last.
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { BenchClient } from './client.mjs'
import { selfCheck } from './replay.mjs'
import { Track, percentile, stepStats } from './track.mjs'

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'))

function makeClient (room, role, replay = false) {
  return new BenchClient({
    url: room.urls[role],
    doc: room.doc,
    token: room.tokens?.[role],
    protocol: cfg.protocol,
    role,
    deflate: cfg.deflate ?? false,
    replay
  })
}

/**
 * Opens clients with at most `limit` handshakes in flight; returns [ms to sync all, failures].
 * With `progress`, marks every tenth of the way (the driver samples the server's RSS there).
 */
async function openAll (clients, limit, progress = false) {
  const start = performance.now()
  let next = 0
  let done = 0
  const tenth = Math.max(1, Math.ceil(clients.length / 10))
  const failures = []
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++]
      try {
        await c.open()
      } catch (err) {
        failures.push(String(err.message ?? err))
      }
      done++
      if (progress && done % tenth === 0 && done < clients.length) {
        emit({ event: 'mark', name: 'progress', connected: done })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, clients.length) }, worker))
  return [performance.now() - start, failures]
}

/** A seeded shuffle, so the two clients of a room do not always write back to back. */
function shuffled (items, seed = 42) {
  const out = items.slice()
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

function connectPairs (replay = false) {
  const pairs = cfg.rooms.map((room) => {
    const a = makeClient(room, 0, replay)
    const b = makeClient(room, 1, replay)
    a.peer = b // a replay client recognises its peer's writes by the peer's client id
    b.peer = a
    return [a, b]
  })
  return [pairs, pairs.flat()]
}

async function runStep (pairs, clients, order, step) {
  const perClient = Math.max(1, Math.floor((cfg.warmup_s + step.seconds) * step.rate))
  const tracks = new Map(clients.map((c) => [c, new Track(c.nextSeq, perClient)]))
  const refusedBefore = new Map(clients.map((c) => [c, c.rejected + c.serverErrors]))
  for (const [a, b] of pairs) {
    const ta = tracks.get(a)
    const tb = tracks.get(b)
    a.onPeerSeq = (seq, now) => tb.seenUpTo(seq, now)
    b.onPeerSeq = (seq, now) => ta.seenUpTo(seq, now)
  }
  const n = order.length
  const total = n * perClient
  const dt = 1000 / (step.rate * n) // global spacing: client k % n writes its write k / n
  const t0 = performance.now() + 50
  const from = t0 + cfg.warmup_s * 1000
  const to = t0 + total * dt
  // The generator's own stalls (GC, bursts of input): a late tick delays sends (see send lag).
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  setTimeout(() => {
    emit({ event: 'mark', name: 'measure_start' })
    loopDelay.enable()
  }, from - performance.now())
  await new Promise((resolve) => {
    let k = 0
    const tick = () => {
      for (let now = performance.now(); k < total; k++) {
        const sched = t0 + k * dt
        if (sched > now) break
        const client = order[k % n]
        const local = Math.floor(k / n)
        const track = tracks.get(client)
        track.sched[local] = sched
        client.write(track.base + local, sched)
        track.sent[local] = performance.now()
        if ((k & 63) === 63) now = performance.now()
      }
      if (k < total) setTimeout(tick, Math.max(0, t0 + k * dt - performance.now()))
      else resolve()
    }
    setTimeout(tick, Math.max(0, t0 - performance.now()))
  })
  emit({ event: 'mark', name: 'measure_end' })
  loopDelay.disable()
  const all = [...tracks.values()]
  const drainUntil = performance.now() + cfg.drain_ms
  while (performance.now() < drainUntil && !all.every((t) => t.done)) await sleep(20)
  // A write the server refused was still relayed (offer-room undoes it with a compensating
  // update), so the peer saw its clock: it is counted lost from the writer's refusal count.
  for (const c of clients) {
    c.nextSeq += perClient
    tracks.get(c).refused = c.rejected + c.serverErrors - refusedBefore.get(c)
  }
  const stall = (ns) => Math.round(ns / 1e4) / 100
  return {
    ...stepStats(all, from, to, cfg.drain_ms),
    generator_loop_delay_ms: { p99: stall(loopDelay.percentile(99)), max: stall(loopDelay.max) }
  }
}

async function fanout () {
  const replay = cfg.replay ?? true
  if (replay) selfCheck() // the hand-made updates are Yjs's bytes, or nothing runs
  const [pairs, clients] = connectPairs(replay)
  const [syncMs, failures] = await openAll(clients, cfg.connect_concurrency ?? 100)
  emit({ event: 'mark', name: 'connected', sync_all_ms: syncMs, failures: failures.length })
  if (failures.length) throw new Error(`connect failures: ${failures.slice(0, 3).join('; ')}`)
  const order = shuffled(clients)
  const steps = []
  for (const [i, step] of cfg.steps.entries()) {
    const stats = await runStep(pairs, clients, order, step)
    const row = { i, rate: step.rate, clients: clients.length, ...stats }
    steps.push(row)
    emit({ event: 'step', ...row })
    const p99 = stats.latency_ms.p99
    if (cfg.stop_p99_ms && (stats.lost > 0 || p99 === null || p99 > cfg.stop_p99_ms)) break
  }
  const closes = clients.filter((c) => c.closeCode !== null).length
  const total = (get) => clients.reduce((sum, c) => sum + get(c), 0)
  const refusals = clients.flatMap((c) => c.refusals).slice(0, 3)
  for (const c of clients) c.close()
  return {
    sync_all_ms: syncMs,
    steps,
    unexpected_closes: closes,
    send_failures: total((c) => c.sendFailures),
    replay,
    rejected: total((c) => c.rejected),
    server_errors: total((c) => c.serverErrors),
    refusals
  }
}

async function idle () {
  const [, clients] = connectPairs()
  const [syncMs, failures] = await openAll(clients, cfg.connect_concurrency ?? 100, true)
  emit({ event: 'mark', name: 'connected', sync_all_ms: syncMs, failures: failures.length })
  await sleep(cfg.hold_s * 1000)
  const dropped = clients.filter((c) => c.closeCode !== null).length
  emit({ event: 'mark', name: 'hold_end' })
  for (const c of clients) c.close()
  return { connections: clients.length, sync_all_ms: syncMs, failures, dropped_while_idle: dropped }
}

async function join () {
  const room = cfg.rooms[0]
  const writer = makeClient(room, 0)
  await writer.open()
  const buildStart = performance.now()
  // Paced (50 edits per 5 ms), so building the history never floods the server: it is set-up.
  for (let done = 0; done < cfg.history; done += 50) {
    writer.writeHistory(Math.min(50, cfg.history - done))
    await sleep(5)
  }
  // The history is in once a fresh client syncs the writer's final state.
  const want = writer.doc.getText('description').length
  let arrived = false
  for (let tries = 0; tries < 300 && !arrived; tries++) {
    await sleep(200)
    const probe = makeClient(room, 1)
    try {
      await probe.open()
      arrived = probe.doc.getText('description').length === want
    } catch {
      // e.g. closed with 1013 while the server was still busy with the history: try again
    } finally {
      probe.close()
    }
  }
  if (!arrived) throw new Error('history never arrived')
  const buildMs = performance.now() - buildStart
  if (cfg.cold) {
    writer.close()
    await sleep(1000)
  }
  emit({ event: 'mark', name: 'joins_start' })
  const times = []
  let bytes = 0
  for (let i = 0; i < cfg.joins; i++) {
    const c = makeClient(room, 1)
    const t = performance.now()
    await c.open()
    times.push(performance.now() - t)
    bytes = c.syncBytes
    c.close()
    await sleep(cfg.cold ? 500 : 50)
  }
  emit({ event: 'mark', name: 'joins_end' })
  if (!cfg.cold) writer.close()
  const sorted = Float64Array.from(times).sort()
  return {
    history: cfg.history,
    build_ms: buildMs,
    join_ms: { p50: percentile(sorted, 50), max: sorted[sorted.length - 1], all: times },
    sync_bytes: bytes,
    cold: Boolean(cfg.cold)
  }
}

const modes = { fanout, idle, join }
try {
  const result = await modes[cfg.mode]()
  emit({ event: 'result', mode: cfg.mode, ...result })
  setTimeout(() => process.exit(0), 200)
} catch (err) {
  emit({ event: 'error', message: String(err?.stack ?? err) })
  setTimeout(() => process.exit(1), 200)
}
