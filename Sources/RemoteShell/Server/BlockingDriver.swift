/// The blocking driver: one thread; connections served one at a time, in
/// accept order, each until it closes, while later clients wait in the
/// listen backlog: the classic single-threaded server.
struct BlockingDriver: ServerDriver {
    let parts: ServerParts

    func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        acceptLoop(listener: parts.listener, shutdown: parts.shutdown) { fd, peer, standing in
            SyncConnection(connection: parts.connection(fd, peer, standing), shutdown: parts.shutdown).run(buffer: buffer)
            parts.listener.connectionClosed()
        }
    }
}
