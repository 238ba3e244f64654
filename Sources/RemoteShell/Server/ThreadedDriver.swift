import RSHSystem

/// The threaded driver: one OS thread per connection, up to `--max-connections`.
struct ThreadedDriver: ServerDriver {
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let security: ServerSecurity
    let logger: Logger
    /// Signalled by each connection thread as it ends, so that the shutdown
    /// waits for the last one without polling (without it, it polls every 100 ms).
    let finished = try? EventCounter()

    func run() {
        acceptLoop(listener: listener, shutdown: shutdown) { fd, peer, standing in
            let connection = Connection(socket: fd, peer: peer, configuration: configuration, security: security,
                                        standing: standing, logger: logger,
                                        handshakeEnded: listener.handshakeEnded)
            let handOver = SendableConnection(connection: connection)
            do {
                try SystemThread.start(detached: true) { [shutdown, listener] in
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
                    defer { buffer.deallocate() }
                    SyncConnection(connection: handOver.connection, shutdown: shutdown).run(buffer: buffer)
                    listener.connectionClosed()
                    finished?.signal()
                }
            } catch {
                logger.error("conn=\(connection.id) cannot start a thread: \(error)")
                connection.abandon("no thread")
                connection.close()
                listener.connectionClosed()
            }
        }
        // Stopped accepting: wait for the connection threads, which are
        // finishing their commands within the grace period.
        while listener.activeConnections > 0 {
            _ = try? finished?.descriptor.poll(for: .readable, timeoutMilliseconds: 100)
            finished?.reset()
        }
        finished?.close()
    }
}

/// Hands a connection to the thread that will own it from then on.
private struct SendableConnection: @unchecked Sendable {
    let connection: Connection
}
