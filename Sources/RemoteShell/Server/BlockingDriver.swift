/// The blocking driver: one thread; connections served one at a time, in
/// accept order, each until it closes, while later clients wait in the
/// listen backlog: the classic single-threaded server.
struct BlockingDriver: ServerDriver {
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let security: ServerSecurity
    let logger: Logger

    func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        acceptLoop(listener: listener, shutdown: shutdown) { fd, peer, standing in
            let connection = Connection(socket: fd, peer: peer, configuration: configuration, security: security,
                                        standing: standing, logger: logger,
                                        handshakeEnded: listener.handshakeEnded)
            SyncConnection(connection: connection, shutdown: shutdown).run(buffer: buffer)
            listener.connectionClosed()
        }
    }
}
