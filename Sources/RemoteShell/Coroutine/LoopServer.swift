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
        let listening = Set(servers == nil ? [] : listener.descriptors)
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
            case .none:
                ready.removeAll(keepingCapacity: true)
                if await loop.wait(interests, handle: acceptor) == .ready, let fd = acceptor.readyInterest?.descriptor, listening.contains(fd) {
                    ready.append(fd)
                }
                shutdown.service()
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
