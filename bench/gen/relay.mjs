#!/usr/bin/env node
// A relay with no CRDT, for measuring the generator's own ceiling: `node bench/gen/relay.mjs PORT`.
//
// Every server under test costs more per write than the generator does, so none can carry the
// generator to its limit (node-ref tops out near 8,000 writes/s on one core). This one only
// forwards: each sync message goes to every socket of its room (the URL path), the sender too,
// as node-ref echoes; sync step1 is answered with an empty step2, so clients count as synced;
// awareness is dropped. The generator's per-write work against it is the same as against a real
// server — one send, the peer's copy, the echo — so its CPU per write there is its ceiling.
// Point a fan-out config's room URLs at ws://127.0.0.1:PORT/<room> (both clients the same URL).
import { WebSocketServer } from 'ws'

const SYNC = 0
const STEP1 = 0
const EMPTY_STEP2 = Buffer.from([SYNC, 1, 2, 0, 0]) // sync, step2, an update of 2 bytes: empty

const rooms = new Map()
const wss = new WebSocketServer({
  host: '127.0.0.1', port: Number(process.argv[2] ?? 0), perMessageDeflate: false
})
wss.on('listening', () => console.log(`relay listening on ${wss.address().port}`))
wss.on('connection', (ws, req) => {
  let room = rooms.get(req.url)
  if (room === undefined) rooms.set(req.url, (room = new Set()))
  room.add(ws)
  ws.on('message', (data) => {
    if (data[0] !== SYNC) return
    if (data[1] === STEP1) ws.send(EMPTY_STEP2)
    else for (const peer of room) peer.send(data)
  })
  ws.on('close', () => room.delete(ws))
})
