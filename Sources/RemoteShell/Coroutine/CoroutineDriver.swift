import RSHSystem

/// The coroutine driver: `--loops N` event loops, each on its own thread
/// (the first on the calling thread), sharing the listening socket. Every
/// connection is a coroutine on the loop that accepted it, so the thread
/// count is N plus a constant, whatever the number of connections.
struct CoroutineDriver {
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let logger: Logger

    func run() throws(ServerError) {
        var loops: [EventLoop] = []
        for index in 0..<max(1, configuration.loops) {
            do {
                loops.append(try EventLoop(name: "loop-\(index)"))
            } catch {
                throw .cannotStart("event loop", error)
            }
        }
        for loop in loops {
            let server = LoopServer(loop: loop, listener: listener, shutdown: shutdown, configuration: configuration, logger: logger)
            Task(executorPreference: loop) { await server.run() }
        }
        var threads: [SystemThread] = []
        for loop in loops.dropFirst() {
            do {
                threads.append(try SystemThread.start { loop.run() })
            } catch {
                shutdown.trigger("cannot start a thread for \(loop.name): \(error)")
                loop.stop()
            }
        }
        loops[0].run()
        for thread in threads { thread.join() }
    }
}

/// One loop's share of the server: it accepts on the shared listener and
/// keeps the connections it accepted, so that it can stop them at shutdown.
actor LoopServer {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let loop: EventLoop
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let logger: Logger
    private var connections: [Int: CoroutineConnection] = [:]
    private let acceptor = EventLoop.WaitHandle()

    init(loop: EventLoop, listener: Listener, shutdown: ShutdownController, configuration: ServerConfiguration, logger: Logger) {
        self.loop = loop
        unownedExecutor = loop.asUnownedSerialExecutor()
        self.listener = listener
        self.shutdown = shutdown
        self.configuration = configuration
        self.logger = logger
    }

    func run() async {
        let watched = [listener.descriptor] + shutdown.descriptors
        while !shutdown.isShuttingDown {
            switch listener.accept() {
            case .connection(let fd, let peer):
                start(fd, peer)
            case .none:
                _ = await loop.wait(watched.map { .readable($0) }, handle: acceptor)
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

    private func start(_ fd: FileDescriptor, _ peer: SocketAddress) {
        let connection = CoroutineConnection(loop: loop, socket: fd, peer: peer, configuration: configuration, logger: logger)
        let id = connection.id
        connections[id] = connection
        Task(executorPreference: loop) {
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
