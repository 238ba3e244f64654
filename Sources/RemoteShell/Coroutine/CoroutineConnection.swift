import RSHSpawn
import RSHSystem

/// One connection in coroutine mode: an actor whose executor is an event
/// loop, so all of its tasks run on that loop's thread, one at a time. Each
/// activity is a coroutine that reads straight down and suspends in
/// `loop.wait` when its descriptor would block:
///
/// - the reader: read the socket, feed the session;
/// - the writer: send queued frames, suspending while the socket is full,
///   and keep the connection's deadlines;
/// - per command: the exit watcher, one pump per output pipe, and a stdin feeder.
actor CoroutineConnection {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    nonisolated let id: Int
    let loop: EventLoop
    let state: ConnectionState

    /// The handles that let one coroutine wake another.
    private final class CommandHandles {
        let exit = EventLoop.WaitHandle()
        let stdout = EventLoop.WaitHandle()
        let stderr = EventLoop.WaitHandle()
        let input = EventLoop.WaitHandle()

        func output(_ stream: ChildOutput) -> EventLoop.WaitHandle { stream == .stdout ? stdout : stderr }
    }

    /// Reads a coroutine may do in a row before it lets the rest of the loop
    /// run: a command that always has output, or a client that always has
    /// input, must not starve the other connections on the same thread.
    private static let readsBeforeYield = 16

    private let reader = EventLoop.WaitHandle()
    private let writer = EventLoop.WaitHandle()
    private var commands: [Int64: CommandHandles] = [:]
    /// Pumps parked until the outbound queue drains below its high-water mark.
    private var waitingForRoom: [EventLoop.WaitHandle] = []
    /// What the writer is waiting for, so it is woken only when that changes.
    private var writerWaitsForSocket = false
    private var writerDeadline: ContinuousClock.Instant?
    /// A `sendQueued` is due before the loop next waits.
    private var sendScheduled = false
    private var closed = false

    init(loop: EventLoop, socket: FileDescriptor, peer: SocketAddress, configuration: ServerConfiguration, logger: Logger,
         handshakeEnded: @escaping () -> Void) {
        self.loop = loop
        unownedExecutor = loop.asUnownedSerialExecutor()
        state = ConnectionState(socket: socket, peer: peer, configuration: configuration, logger: logger,
                                handshakeEnded: handshakeEnded, beforeClosing: { [loop] fd in loop.deregister(fd) })
        id = state.id
    }

    /// Serves the connection until it is finished, then closes it.
    func run() async {
        Task(executorPreference: loop) { await self.readLoop() }
        await writeLoop()
        closed = true
        state.close()
    }

    /// The server is stopping.
    func beginShutdown() {
        state.beginShutdown()
        react()
    }

    // MARK: The coroutines

    private func readLoop() async {
        var readsInARow = 0
        while !closed, !state.peerGone, !state.isFinished {
            guard state.wantsInput else {
                // The commands have not taken their stdin yet, or the last
                // frames are still going out: read nothing for now
                // (backpressure), but notice if the client hangs up.
                _ = await loop.wait([.readable(state.socket)], handle: reader)
                if !closed, loop.hasHungUp(state.socket) {
                    state.peerClosed("hang-up")
                    react()
                }
                continue
            }
            let count: Int?
            do {
                count = try state.socket.tryRead(into: loop.scratch)
            } catch {
                state.peerClosed("read failed: \(error)")
                react()
                return
            }
            guard let count else {
                readsInARow = 0
                _ = await loop.wait([.readable(state.socket)], handle: reader)
                continue
            }
            // The bytes are in the loop's shared scratch buffer: hand them
            // over before anything that can suspend, or another coroutine's
            // read would overwrite them.
            if count == 0 {
                state.peerClosed("end of file")
            } else {
                state.receive(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            }
            react()
            readsInARow += 1
            if readsInARow >= Self.readsBeforeYield {
                readsInARow = 0
                await Task.yield()
            }
        }
    }

    private func writeLoop() async {
        while true {
            flush()
            if state.isFinished { return }
            writerWaitsForSocket = state.hasOutbound
            writerDeadline = state.nextDeadline
            let interests: [EventLoop.Interest] = writerWaitsForSocket ? [.writable(state.socket)] : []
            if await loop.wait(interests, until: writerDeadline, handle: writer) == .timedOut {
                state.expireDeadlines()
                react()
            }
        }
    }

    private func runCommand(_ id: Int64) async {
        guard let child = state.children[id], let handles = commands[id] else { return }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pump(id, .stdout) }
            group.addTask { await self.pump(id, .stderr) }
            if child.standardInput != nil { group.addTask { await self.feedInput(id) } }
            while !child.hasExited {
                let outcome = await loop.wait([.readable(child.exitDescriptor.descriptor)],
                                              until: child.deadlines.nextDeadline, handle: handles.exit)
                switch outcome {
                case .ready: child.noteExit()
                case .timedOut: enforceDeadlines(of: child)
                case .interrupted: continue
                }
            }
            loop.interrupt(handles.input)
        }
        commands[id] = nil
        state.childCompleted(id)
        react()
    }

    private func pump(_ id: Int64, _ stream: ChildOutput) async {
        guard let child = state.children[id], let handle = commands[id]?.output(stream) else { return }
        var readsInARow = 0
        // The child has only just started, so a first read would find the
        // pipe empty nearly every time: wait before it instead. (Nothing is
        // missed: epoll reports a pipe that already has data when it is added.)
        var justStarted = true
        while let fd = child.descriptor(for: stream) {
            guard state.acceptsChildOutput else {
                waitingForRoom.append(handle)
                let outcome = await loop.sleep(until: child.deadlines.nextDeadline, handle: handle)
                waitingForRoom.removeAll { $0 === handle }
                if outcome == .timedOut { enforceDeadlines(of: child) }
                continue
            }
            let outcome = justStarted ? .wouldBlock : child.read(stream, into: loop.scratch)
            justStarted = false
            switch outcome {
            case .bytes(let count):
                state.childOutput(id, stream, UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
                react()
                readsInARow += 1
                if readsInARow >= Self.readsBeforeYield {
                    readsInARow = 0
                    await Task.yield()
                }
            case .endOfFile:
                return
            case .wouldBlock:
                readsInARow = 0
                if await loop.wait([.readable(fd)], until: child.deadlines.nextDeadline, handle: handle) == .timedOut {
                    enforceDeadlines(of: child)
                }
            }
        }
    }

    private func feedInput(_ id: Int64) async {
        guard let child = state.children[id], let handle = commands[id]?.input else { return }
        while let fd = child.standardInput, !child.hasExited {
            if child.pendingInputCount > 0, child.flushInput() {
                _ = await loop.wait([.writable(fd)], handle: handle)
            } else {
                // Drained: the reader may have paused for this command's input.
                loop.interrupt(reader)
                _ = await loop.sleep(until: nil, handle: handle)
            }
        }
        loop.interrupt(reader)
    }

    // MARK: Reacting to changes

    /// After anything changed the connection's state: start coroutines for new
    /// commands, wake the ones whose deadlines or input changed, and send
    /// what was queued before the loop next waits.
    private func react() {
        for id in state.takeStarted() {
            commands[id] = CommandHandles()
            Task(executorPreference: loop) { await self.runCommand(id) }
        }
        for id in state.takeTornDown() {
            guard let handles = commands[id] else { continue }
            for handle in [handles.exit, handles.stdout, handles.stderr] { loop.interrupt(handle) }
        }
        for id in state.takeInputChanged() {
            if let handles = commands[id] { loop.interrupt(handles.input) }
        }
        if !sendScheduled {
            sendScheduled = true
            loop.beforeWaiting { [self] in assumeIsolated { $0.sendQueued() } }
        }
    }

    /// Sends what the coroutines queued since the loop last waited, in one
    /// write: a command that wrote and exited in one go costs the client one
    /// wake-up, not one per frame. Nothing is held back: this runs before the
    /// loop sleeps, so it never waits for more output.
    private func sendQueued() {
        sendScheduled = false
        flush()
        // The writer needs waking only when its wait is out of date: bytes are
        // left that it is not waiting to send, the connection is finished, or
        // the nearest deadline moved.
        if (state.hasOutbound && !writerWaitsForSocket) || state.isFinished || state.nextDeadline != writerDeadline {
            loop.interrupt(writer)
        }
        // The reader has to notice that the client is gone, or that the last
        // frame is out and the lingering read may begin. (Not on every change:
        // woken while it must not read, it would only wait again.)
        if state.peerGone || state.isLingering { loop.interrupt(reader) }
    }

    /// Sends what fits now, and wakes pumps that were waiting for room.
    private func flush() {
        guard !closed else { return }
        state.writeOutbound { (bytes) throws(Errno) in try state.socket.trySend(bytes) }
        if state.acceptsChildOutput, !waitingForRoom.isEmpty {
            for handle in waitingForRoom { loop.interrupt(handle) }
            waitingForRoom.removeAll()
        }
    }

    private func enforceDeadlines(of child: ChildProcess) {
        child.enforceDeadlines()
        react()
    }
}
