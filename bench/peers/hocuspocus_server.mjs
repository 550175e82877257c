#!/usr/bin/env node
// Hocuspocus as a peer: the stock Server with no extensions (in-memory documents), on a free
// port of 127.0.0.1. Prints "hocuspocus listening on PORT" once it accepts connections.
import { Server } from '@hocuspocus/server'

const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: true })
await server.listen()
console.log(`hocuspocus listening on ${server.httpServer.address().port}`)
