import RSHProtocol
import RSHSpawn
import RSHSystem

/// One connection in coroutine mode: an actor whose executor is an event
/// loop, so all of its code runs on that loop's thread. Its one coroutine
/// does what a `SyncConnection` does, waiting in `loop.wait` instead of
/// `poll`: ask the connection what to wait for, suspend until one of those
/// is ready (or a deadline passes), let the connection serve it, again.
///
/// Two things differ because the loop is edge-triggered and shared:
/// - what the connection knows may still be ready (`hasReadyWork`) is
///   served after a `Task.yield`, not waited for: no new edge would come;
/// - the queued bytes are sent just before the loop sleeps, so that a
///   command that wrote and exited in one go costs the client one wake-up,
///   not one per frame. Nothing is held back: that is before the loop
///   waits, so it never waits for more output; and a connection with more
///   ready work sends before it yields, since the loop may not sleep soon.
actor CoroutineConnection {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    nonisolated let id: Int
    let loop: EventLoop
    let connection: Connection

    private let waiting = EventLoop.WaitHandle()
    /// The connection's wishes, then the same as waits on the loop (kept to reuse their storage).
    private var requests: [PollRequest] = []
    private var interests: [EventLoop.Interest] = []
    /// A `sendQueued` is due before the loop next waits.
    private var sendScheduled = false
    /// The last send left bytes behind: the socket has no room until it says so.
    private var socketFull = false
    /// `sendQueued` as the loop's hook, made once (a new closure each time would allocate).
    private lazy var sendBeforeWaiting: () -> Void = { [weak self] in self?.assumeIsolated { $0.sendQueued() } }

    init(loop: EventLoop, socket: FileDescriptor, peer: SocketAddress, configuration: ServerConfiguration, security: ServerSecurity,
         standing: PeerStanding, logger: Logger, handshakeEnded: @escaping () -> Void) {
        self.loop = loop
        unownedExecutor = loop.asUnownedSerialExecutor()
        connection = Connection(socket: socket, peer: peer, configuration: configuration, security: security, standing: standing,
                                logger: logger,
                                handshakeEnded: handshakeEnded, beforeClosing: { [loop] fd in loop.deregister(fd) })
        id = connection.id
    }

    /// Serves the connection until it is finished, then closes it.
    func run() async {
        var ready: EventLoop.Interest?
        while true {
            if let ready, ready.direction == .write, ready.descriptor == connection.stream.descriptor { socketFull = false }
            connection.service({ fd in events(for: fd, ready) }, buffer: loop.scratch, now: .now)
            ready = nil
            if connection.hasBytesToSend, !sendScheduled, !socketFull {
                sendScheduled = true
                loop.beforeWaiting(sendBeforeWaiting)
            }
            if connection.isFinished { break }
            if connection.hasReadyWork {
                // Served its share with more to read, so the loop may not
                // sleep for a while: what is queued goes out now. An upload's
                // acknowledgement held until the loop slept would reach the
                // client only once its whole window was spent, and every
                // window would then stop and start again.
                if connection.hasBytesToSend, !socketFull { sendNow() }
                // Let the rest of the loop run.
                await Task.yield()
                continue
            }
            if await loop.wait(currentInterests(), until: connection.nextDeadline, handle: waiting) == .ready {
                ready = waiting.readyInterest
            }
        }
        connection.close()
    }

    /// The server is stopping.
    func beginShutdown() {
        connection.beginShutdown()
        loop.interrupt(waiting)
    }

    /// The connection's `poll` requests as edge-triggered waits. A request
    /// for no event at all (the socket while nothing is read from it) is a
    /// wait to read: epoll reports a hang-up as readable, and an edge that
    /// only says "data" is remembered by the connection, not lost.
    /// The socket is waited on for room only once a send has found it full:
    /// until then the send before the loop sleeps writes what is queued.
    private func currentInterests() -> [EventLoop.Interest] {
        requests.removeAll(keepingCapacity: true)
        connection.appendInterests(to: &requests)
        interests.removeAll(keepingCapacity: true)
        for request in requests {
            if request.events.contains(.writable), socketFull || request.descriptor != connection.stream.descriptor {
                interests.append(.writable(request.descriptor))
            }
            if request.events.contains(.readable) || request.events.isEmpty { interests.append(.readable(request.descriptor)) }
        }
        return interests
    }

    /// What the last wait reported for `fd`, as `poll` would have.
    private func events(for fd: FileDescriptor, _ ready: EventLoop.Interest?) -> PollEvents {
        guard let ready, ready.descriptor == fd else { return [] }
        var events: PollEvents = ready.direction == .read ? .readable : .writable
        if loop.hasHungUp(fd) { events.insert(.hangup) }
        return events
    }

    /// Sends what is queued while the coroutine runs on; a `sendQueued`
    /// already due still comes before the loop waits.
    private func sendNow() {
        connection.flush()
        socketFull = connection.hasBytesToSend
    }

    /// Sends what was queued since the loop last waited, in one write. The
    /// coroutine is woken only if what it waits for is now out of date:
    /// bytes are left (it must wait for room), or the send moved the
    /// connection on (its queue fell below the mark, its last byte went out).
    private func sendQueued() {
        sendScheduled = false
        let before = (connection.machine.phase, connection.machine.acceptsChildOutput, connection.wantsInput)
        connection.flush()
        socketFull = connection.hasBytesToSend
        let after = (connection.machine.phase, connection.machine.acceptsChildOutput, connection.wantsInput)
        if socketFull || before != after { loop.interrupt(waiting) }
    }
}
