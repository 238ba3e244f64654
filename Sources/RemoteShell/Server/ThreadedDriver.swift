import RSHSystem

/// The threaded driver: one OS thread per connection, up to `--max-connections`.
struct ThreadedDriver: ServerDriver {
    let parts: ServerParts
    /// Signalled by each connection thread as it ends, so that the shutdown
    /// wakes as soon as the last one has.
    private let finished: ConnectionEnded

    init(parts: ServerParts) throws(ServerError) {
        self.parts = parts
        do {
            finished = try ConnectionEnded()
        } catch {
            throw .cannotStart("an eventfd for the connection threads", error)
        }
    }

    func run() {
        acceptLoop(listener: parts.listener, shutdown: parts.shutdown) { fd, peer, standing in
            let connection = parts.connection(fd, peer, standing)
            let handOver = SendableConnection(connection: connection)
            do {
                try SystemThread.start(detached: true) { [shutdown = parts.shutdown, listener = parts.listener, finished] in
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
                    defer { buffer.deallocate() }
                    SyncConnection(connection: handOver.connection, shutdown: shutdown).run(buffer: buffer)
                    listener.connectionClosed()
                    finished.counter.signal()
                }
            } catch {
                parts.logger.error("conn=\(connection.id) cannot start a thread: \(error)")
                connection.abandon("no thread")
                connection.close()
                parts.listener.connectionClosed()
            }
        }
        // Stopped accepting: wait for the connection threads, which are
        // finishing their commands within the grace period. (The poll's
        // timeout is a backstop: each thread signals as it ends.)
        while parts.listener.activeConnections > 0 {
            _ = try? finished.counter.descriptor.poll(for: .readable, timeoutMilliseconds: 100)
            finished.counter.reset()
        }
    }
}

/// The eventfd the connection threads signal as they end. A class, so that
/// it is closed when the last holder lets it go: a thread that has just
/// said its connection is closed may not have signalled yet when the
/// shutdown sees no connection left and returns.
private final class ConnectionEnded: Sendable {
    let counter: EventCounter

    init() throws(Errno) { counter = try EventCounter() }

    deinit { counter.close() }
}

/// Hands a connection to the thread that will own it from then on.
private struct SendableConnection: @unchecked Sendable {
    let connection: Connection
}
