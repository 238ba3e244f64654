import RSHProtocol
import RSHSystem

/// One loop's share of the server: it keeps the connections it was dealt,
/// so that it can stop them at shutdown. The first one also accepts.
actor LoopServer {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    nonisolated let loop: EventLoop
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let security: ServerSecurity
    let logger: Logger
    private var connections: [Int: CoroutineConnection] = [:]
    private let acceptor = EventLoop.WaitHandle()

    init(loop: EventLoop, listener: Listener, shutdown: ShutdownController, configuration: ServerConfiguration,
         security: ServerSecurity, logger: Logger) {
        self.loop = loop
        unownedExecutor = loop.asUnownedSerialExecutor()
        self.listener = listener
        self.shutdown = shutdown
        self.configuration = configuration
        self.security = security
        self.logger = logger
    }

    /// Accepts and deals connections out (when given the servers to deal to),
    /// or just waits, until the shutdown; then stops this loop's connections
    /// and, once they are done, the loop.
    func run(dealingTo servers: [LoopServer]?) async {
        var watched = shutdown.descriptors
        if servers != nil { watched += listener.descriptors }
        let interests = watched.map { EventLoop.Interest.readable($0) }
        // The listening sockets epoll reported readable since they were last
        // found drained. They are edge-triggered: one that still holds
        // connections is reported again only when another arrives, so it
        // stays here until an accept finds it empty.
        var ready: [FileDescriptor] = []
        var turn = 0
        while !shutdown.isShuttingDown {
            switch listener.accept(among: ready) {
            case .connection(let fd, let peer, let standing):
                let server = servers![turn % servers!.count]
                turn += 1
                if server === self {
                    adopt(fd, peer, standing)
                } else {
                    // A job on the other loop's queue: this loop goes on accepting.
                    Task(executorPreference: server.loop) { await server.adopt(fd, peer, standing) }
                }
                // While connections keep coming, look for other addresses
                // that have some now and then, so that a busy address does
                // not starve them (`accept(among:)` takes the ready in turn).
                // The loop has not waited since this burst began, so it is
                // asked what epoll has for it first.
                if turn % Self.acceptsBetweenLooks == 0 {
                    loop.takeReadyEvents()
                    while let fd = await readyListener(interests, until: .now) {
                        if !ready.contains(fd) { ready.append(fd) }
                    }
                }
            case .none:
                ready.removeAll(keepingCapacity: true)
                if let fd = await readyListener(interests, until: nil) { ready.append(fd) }
            case .backoff:
                _ = await loop.wait(shutdown.descriptors.map { .readable($0) }, until: .now + Listener.backoff, handle: acceptor)
                shutdown.service()
            }
        }
        for connection in connections.values { await connection.beginShutdown() }
        while !connections.isEmpty { _ = await loop.sleep(until: nil, handle: acceptor) }
        for fd in watched { loop.deregister(fd) }
        loop.stop()
    }

    /// While connections keep coming, how many are accepted between two
    /// looks at every listening socket: a look goes over all of them (a
    /// thousand, for one server as many hosts).
    private static let acceptsBetweenLooks = 64

    /// Waits until `deadline` for one of `interests` (listening sockets and
    /// the shutdown's descriptors) to become readable, and serves the
    /// shutdown's; the listening socket that did, if one did.
    private func readyListener(_ interests: [EventLoop.Interest], until deadline: ContinuousClock.Instant?) async -> FileDescriptor? {
        let outcome = await loop.wait(interests, until: deadline, handle: acceptor)
        shutdown.service()
        guard outcome == .ready, let fd = acceptor.readyInterest?.descriptor, !shutdown.descriptors.contains(fd) else { return nil }
        return fd
    }

    /// Serves a connection on this loop.
    func adopt(_ fd: FileDescriptor, _ peer: SocketAddress, _ standing: PeerStanding) {
        let connection = CoroutineConnection(loop: loop, socket: fd, peer: peer, configuration: configuration, security: security,
                                             standing: standing, logger: logger,
                                             handshakeEnded: listener.handshakeEnded)
        logger.debug("conn=\(connection.id) on \(loop.name)")
        let id = connection.id
        connections[id] = connection
        Task(executorPreference: loop) {
            if self.shutdown.isShuttingDown { await connection.beginShutdown() }
            await connection.run()
            await self.finished(id)
        }
    }

    private func finished(_ id: Int) {
        connections[id] = nil
        listener.connectionClosed()
        if shutdown.isShuttingDown { loop.interrupt(acceptor) }
    }
}
