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
/// - per command: one coroutine that serves its pipes and waits for its exit.
actor CoroutineConnection {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    nonisolated let id: Int
    let loop: EventLoop
    let state: ConnectionState

    /// Reads a coroutine may do in a row before it lets the rest of the loop
    /// run: a command that always has output, or a client that always has
    /// input, must not starve the other connections on the same thread.
    private static let readsBeforeYield = 16

    private let reader = EventLoop.WaitHandle()
    private let writer = EventLoop.WaitHandle()
    /// Each running command's wait handle, so that others can wake it.
    private var commands: [Int64: EventLoop.WaitHandle] = [:]
    /// Commands parked until the outbound queue drains below its high-water mark.
    private var waitingForRoom: [EventLoop.WaitHandle] = []
    /// What the writer is waiting for, so it is woken only when that changes.
    private var writerWaitsForSocket = false
    private var writerDeadline: ContinuousClock.Instant?
    /// A `sendQueued` is due before the loop next waits.
    private var sendScheduled = false
    /// `sendQueued` as the loop's hook, made once (a new closure each time would allocate).
    private lazy var sendBeforeWaiting: () -> Void = { [weak self] in self?.assumeIsolated { $0.sendQueued() } }
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
        // False once a read has taken all there was: then the reader waits
        // for epoll to report more before it reads again.
        var mayHaveInput = true
        while !closed, !state.peerGone, !state.isFinished {
            guard state.wantsInput else {
                // The commands have not taken their stdin yet, or the last
                // frames are still going out: read nothing for now
                // (backpressure), but notice if the client hangs up.
                _ = await loop.wait([.readable(state.socket)], handle: reader)
                mayHaveInput = true
                if !closed, loop.hasHungUp(state.socket) {
                    state.peerClosed("hang-up")
                    react()
                }
                continue
            }
            guard mayHaveInput else {
                readsInARow = 0
                _ = await loop.wait([.readable(state.socket)], handle: reader)
                mayHaveInput = true
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
                mayHaveInput = false
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
            // A read that did not fill the buffer took all there was, and
            // epoll reports whatever arrives after it: wait instead of
            // reading again only to meet EAGAIN (nginx's rule). Unless the
            // client has closed: that edge is already spent, and only a read
            // finds the end of file behind the data.
            mayHaveInput = count == loop.scratch.count || loop.hasHungUp(state.socket)
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

    /// One coroutine per command, the counterpart of the other modes' poll
    /// loop: it waits on the command's output pipes, its stdin pipe and its
    /// process descriptor at once, and serves whichever is ready, until the
    /// command has exited and both pipes are at end of file. (A coroutine per
    /// pipe would cost two more tasks, a task group and two more suspensions
    /// per command.)
    private func runCommand(_ id: Int64) async {
        guard let child = state.children[id], let handle = commands[id] else { return }
        let takesInput = child.standardInput != nil
        // Pipes that may hold unread output. epoll is edge-triggered, so a
        // pipe is read until it would block before it is waited on again.
        // Empty at first: the child has only just started, and a first read
        // would find nothing nearly every time. (Nothing is missed: epoll
        // reports a pipe that already has data when it is added.)
        var unread = OutputPipes()
        while true {
            var reads = 0
            for stream in ChildOutput.allCases where unread[stream] && readOutput(child, id, stream, reads: &reads) {
                unread[stream] = false
            }
            if child.isComplete { break }
            if takesInput { feedInput(child) }
            if !unread.isEmpty, state.acceptsChildOutput {
                // Read its share with more to read: let the rest of the loop run.
                await Task.yield()
                continue
            }
            let outcome = await waitForChange(in: child, unread: unread, handle: handle)
            switch outcome {
            case .ready:
                guard let interest = handle.readyInterest else { continue }
                if interest.descriptor == child.exitDescriptor.descriptor {
                    child.noteExit()
                } else if let stream = ChildOutput.allCases.first(where: { child.descriptor(for: $0) == interest.descriptor }) {
                    unread[stream] = true
                }
                // Otherwise stdin became writable: fed on the next pass.
            case .timedOut: enforceDeadlines(of: child)
            case .interrupted: continue  // room to send, new input, a teardown
            }
        }
        commands[id] = nil
        state.childCompleted(id)
        // The reader may have paused for this command's stdin.
        if takesInput { loop.interrupt(reader) }
        react()
    }

    /// Waits for the next thing the command needs: its exit, output on a
    /// pipe (only while the send queue has room; otherwise the pipes fill
    /// and the child blocks, which is the backpressure), room in its stdin
    /// pipe for queued input, its next deadline, or an interrupt.
    private func waitForChange(in child: ChildProcess, unread: OutputPipes,
                               handle: EventLoop.WaitHandle) async -> EventLoop.WaitOutcome {
        var interests: [EventLoop.Interest] = []
        if !child.hasExited { interests.append(.readable(child.exitDescriptor.descriptor)) }
        let room = state.acceptsChildOutput
        if room {
            for stream in ChildOutput.allCases where !unread[stream] {
                if let fd = child.descriptor(for: stream) { interests.append(.readable(fd)) }
            }
        } else {
            waitingForRoom.append(handle)
        }
        if let fd = child.standardInput, child.pendingInputCount > 0, !child.hasExited { interests.append(.writable(fd)) }
        let outcome = await loop.wait(interests, until: child.deadlines.nextDeadline, handle: handle)
        if !room { waitingForRoom.removeAll { $0 === handle } }
        return outcome
    }

    /// Reads `stream` until it would block or ends (true), or until the send
    /// queue is full or the command has read its share of the loop (false).
    private func readOutput(_ child: ChildProcess, _ id: Int64, _ stream: ChildOutput, reads: inout Int) -> Bool {
        while state.acceptsChildOutput, reads < Self.readsBeforeYield {
            guard case .bytes(let count) = child.read(stream, into: loop.scratch) else { return true }
            state.childOutput(id, stream, UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            react()
            reads += 1
        }
        return false
    }

    /// Writes queued stdin until the pipe is full. Once all of it is written,
    /// the reader may read again (it pauses while stdin queues are full).
    /// What the pipe took may be acknowledged to the client: sent by `react`.
    private func feedInput(_ child: ChildProcess) {
        guard child.pendingInputCount > 0, !child.hasExited else { return }
        if !child.flushInput() { loop.interrupt(reader) }
        react()
    }

    /// A flag per output pipe (a `Set` would allocate for every command).
    private struct OutputPipes {
        private var stdout = false
        private var stderr = false

        subscript(stream: ChildOutput) -> Bool {
            get { stream == .stdout ? stdout : stderr }
            set { if stream == .stdout { stdout = newValue } else { stderr = newValue } }
        }

        var isEmpty: Bool { !stdout && !stderr }
    }

    // MARK: Reacting to changes

    /// After anything changed the connection's state: start coroutines for new
    /// commands, wake the ones whose deadlines or input changed, and send
    /// what was queued before the loop next waits.
    private func react() {
        for id in state.takeStarted() {
            commands[id] = EventLoop.WaitHandle()
            Task(executorPreference: loop) { await self.runCommand(id) }
        }
        for id in state.takeTornDown() + state.takeInputChanged() {
            if let handle = commands[id] { loop.interrupt(handle) }
        }
        if !sendScheduled {
            sendScheduled = true
            loop.beforeWaiting(sendBeforeWaiting)
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

    /// Sends what fits now, and wakes commands that were waiting for room.
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
