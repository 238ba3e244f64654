import RSHSystem

/// The coroutine driver: `--loops N` event loops, each on its own thread
/// (the first on the calling thread). The first loop accepts and deals the
/// connections out to the loops in turn; every connection is a coroutine on
/// its loop, so the thread count is N plus a constant, whatever the number
/// of connections. (Were every loop to accept for itself, the loop that wins
/// the race would take most of them: about 85% of a burst.)
struct CoroutineDriver: ServerDriver {
    let parts: ServerParts
    private let loops: [EventLoop]

    /// Makes the loops (an epoll set and an eventfd each).
    init(parts: ServerParts) throws(ServerError) {
        self.parts = parts
        var loops: [EventLoop] = []
        for index in 0..<max(1, parts.configuration.loops) {
            do {
                loops.append(try EventLoop(name: "loop-\(index)"))
            } catch {
                throw .cannotStart("event loop", error)
            }
        }
        self.loops = loops
    }

    func run() {
        let servers = loops.map {
            LoopServer(loop: $0, listener: parts.listener, shutdown: parts.shutdown, configuration: parts.configuration,
                       security: parts.security, logger: parts.logger)
        }
        for (index, server) in servers.enumerated() {
            Task(executorPreference: server.loop) { await server.run(dealingTo: index == 0 ? servers : nil) }
        }
        var threads: [SystemThread] = []
        for loop in loops.dropFirst() {
            do {
                threads.append(try SystemThread.start { loop.run() })
            } catch {
                parts.shutdown.trigger("cannot start a thread for \(loop.name): \(error)")
                loop.stop()
            }
        }
        loops[0].run()
        for thread in threads { thread.join() }
    }
}
