// Per-writer bookkeeping for one load step: when each write was scheduled, sent and first seen
// by the peer, and the summary statistics over the measured window.

/** Writes of one client in one step; seq numbers continue across steps, hence `base`. */
export class Track {
  constructor (base, count) {
    this.base = base
    this.count = count
    this.sched = new Float64Array(count)
    this.sent = new Float64Array(count)
    this.seen = new Float64Array(count) // 0 = not (yet) seen by the peer
    this.marked = 0 // every index below this one is seen
    this.refused = 0 // writes the server refused (rejected or answered with an error)
  }

  /** The peer now holds every write up to `seq`. */
  seenUpTo (seq, now) {
    const last = Math.min(seq - this.base, this.count - 1)
    for (let i = this.marked; i <= last; i++) if (this.seen[i] === 0) this.seen[i] = now
    if (last + 1 > this.marked) this.marked = last + 1
  }

  get done () {
    return this.marked >= this.count
  }
}

export function percentile (sorted, p) {
  if (sorted.length === 0) return null
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000)

function summary (values) {
  const sorted = Float64Array.from(values).sort()
  return {
    p50: round3(percentile(sorted, 50)),
    p95: round3(percentile(sorted, 95)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.length ? sorted[sorted.length - 1] : null)
  }
}

/**
 * Statistics over writes scheduled in [from, to) ms.
 * @param {Track[]} tracks
 * @param {number} deadlineMs a write seen later than this after its schedule is lost
 */
export function stepStats (tracks, from, to, deadlineMs) {
  const latency = []
  const lag = []
  let writes = 0
  let lost = 0
  let late = 0
  let refused = 0
  for (const t of tracks) {
    refused += t.refused
    for (let i = 0; i < t.count; i++) {
      const sched = t.sched[i]
      if (sched < from || sched >= to) continue
      writes++
      lag.push(t.sent[i] - sched)
      const seen = t.seen[i]
      if (seen === 0) {
        lost++
        continue
      }
      const ms = seen - sched
      if (ms > deadlineMs) late++
      latency.push(ms)
    }
  }
  const seconds = (to - from) / 1000
  return {
    writes,
    delivered: latency.length,
    lost: lost + late + refused,
    never_seen: lost,
    late,
    refused,
    offered_per_s: Math.round(writes / seconds),
    delivered_per_s: Math.round((latency.length - late) / seconds),
    latency_ms: summary(latency),
    send_lag_ms: summary(lag)
  }
}
