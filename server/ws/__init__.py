"""Our own RFC 6455 WebSocket server pieces: framing and the opening handshake."""
