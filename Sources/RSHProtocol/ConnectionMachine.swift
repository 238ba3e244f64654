/// One server connection's life, as a pure state machine: what the server
/// does with the client's socket, from accept to close. It wraps the
/// protocol session (`ServerSession`, which decides what the frames mean)
/// and owns what lies around it: the queue of bytes to send, the phases of
/// the connection, and the deadline that belongs to each phase.
///
/// The drivers feed it events (bytes received, the peer gone, bytes written,
/// a command's output and end, the server stopping, the time) and carry out
/// the actions it returns; they ask it what to wait for (`wantsInput`,
/// `acceptsChildOutput`, `nextDeadline`). It makes no system call and reads
/// no clock: every event carries `now`, so its tests need no socket, no
/// process and no waiting.
public struct ConnectionMachine {
    public struct Timeouts: Hashable, Sendable {
        /// From accept to a finished handshake (the client's hello answered).
        public var handshake: Duration
        /// From the first byte of a frame to its last.
        public var frame: Duration
        /// While bytes are queued, the client must take `Limits.sendQueueHighWater`
        /// of them, or all of them, within this long.
        public var writeStall: Duration
        /// At shutdown: how long running commands may go on; then they are torn
        /// down, and a client still not reading has this long again to take its last bytes.
        public var grace: Duration
        /// After the last frame: how long the server reads, and discards, before it closes.
        public var linger: Duration

        public init(handshake: Duration, frame: Duration, writeStall: Duration, grace: Duration,
                    linger: Duration = .milliseconds(Limits.lingerMilliseconds)) {
            self.handshake = handshake
            self.frame = frame
            self.writeStall = writeStall
            self.grace = grace
            self.linger = linger
        }
    }

    /// Where the connection is in its life. Each deadline lives in the phase it belongs to.
    public enum Phase: Hashable, Sendable {
        /// Accepted; the client must finish its handshake by `deadline`.
        case handshaking(deadline: ContinuousClock.Instant)
        /// Serving commands.
        case open
        /// The server is stopping: no new commands. Those running have until
        /// `graceEnds`, then they are torn down (`nil`: that has happened).
        case draining(graceEnds: ContinuousClock.Instant?)
        /// The session has said its last: the queued bytes go out, then the
        /// sending side is shut. Nothing more is read or queued.
        case closing
        /// The sending side is shut; what the client still sends is read and
        /// discarded until it closes, or until `deadline`.
        case lingering(deadline: ContinuousClock.Instant)
        /// Nothing more is read or sent. The connection is finished once its
        /// commands are (their output is read and dropped meanwhile).
        case ended(Ending)
    }

    public enum Ending: Hashable, Sendable {
        /// The server said its last and the client closed, or the linger ran out.
        case closed
        /// The client is gone, or was dropped: end of file, a reset, a failed
        /// write, a queue it did not take. The reason is for the log.
        case lost(String)
    }

    /// What the driver must do, in order.
    public enum Action: Hashable, Sendable {
        /// A decision about a command (start, stdin, a signal, a teardown),
        /// a finished command's log record, or a warning for the log. Never
        /// `.send` or `.close`: those the machine carries out itself.
        case session(ServerSession.Action)
        /// Shut the socket's sending side: the last byte is out, and the client reads end of file.
        case shutdownWriting
    }

    public let timeouts: Timeouts
    public internal(set) var session: ServerSession
    public private(set) var phase: Phase
    var queue = SendQueue()
    /// While a frame is half-received: when it must be complete.
    private var frameDeadline: ContinuousClock.Instant?
    /// While bytes are queued: the client's progress in taking them.
    private var stall: StallWatch?
    /// `timeouts.writeStall`, or `timeouts.grace` once a shutdown's grace period is over.
    private var writeStallTimeout: Duration

    public init(session: ServerSession, timeouts: Timeouts, now: ContinuousClock.Instant) {
        self.session = session
        self.timeouts = timeouts
        writeStallTimeout = timeouts.writeStall
        phase = .handshaking(deadline: now + timeouts.handshake)
    }

    // MARK: What the driver waits for

    /// Whether the socket should be read: the connection is still listening,
    /// and the client has taken most of what was queued for it. (Stdin that
    /// the commands have not taken is the driver's to count.)
    public var wantsInput: Bool {
        switch phase {
        case .handshaking, .open, .draining: return queue.count < Limits.sendQueueHighWater
        case .lingering: return true
        case .closing, .ended: return false
        }
    }

    /// Whether the commands' output pipes should be read now. Once nothing
    /// more will be sent, their output is read and dropped, so that they
    /// never block on a full pipe.
    public var acceptsChildOutput: Bool {
        switch phase {
        case .handshaking, .open, .draining: return queue.count < Limits.sendQueueHighWater
        case .closing, .lingering, .ended: return true
        }
    }

    /// Whether the client is still there to be read from and written to.
    public var isConnected: Bool {
        if case .ended = phase { return false }
        return true
    }

    /// The handshake is still going on (the listener counts such connections).
    public var isHandshaking: Bool {
        if case .handshaking = phase { return true }
        return false
    }

    /// The bytes waiting to be written.
    public var queuedByteCount: Int { queue.count }
    public var hasQueuedBytes: Bool { !queue.isEmpty }

    /// The queued bytes, from the front, for a write.
    public func withQueuedBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try queue.withUnsentBytes(body)
    }

    /// Nothing more to read or send, and no command left.
    public var isFinished: Bool {
        guard case .ended = phase else { return false }
        return !session.hasRunningCommands && !session.hasTransfers
    }

    /// The earliest deadline of the connection (each command keeps its own).
    /// Asked after every event, so it builds no array.
    public var nextDeadline: ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        switch phase {
        case .handshaking(let deadline), .lingering(let deadline): earliest = deadline
        case .draining(let graceEnds): earliest = graceEnds
        case .open, .closing, .ended: break
        }
        Self.lower(&earliest, to: frameDeadline)
        Self.lower(&earliest, to: stall?.deadline)
        return earliest
    }

    private static func lower(_ earliest: inout ContinuousClock.Instant?, to deadline: ContinuousClock.Instant?) {
        guard let deadline else { return }
        if let current = earliest, current <= deadline { return }
        earliest = deadline
    }

    // MARK: Events

    /// The terms of the connection, known once its transport is (for TLS,
    /// once its handshake is done), before any byte reaches the session.
    public mutating func admit(_ admission: Admission) {
        session.admit(admission)
    }

    /// Bytes read from the socket.
    public mutating func received(_ bytes: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .handshaking, .open, .draining: break
        case .lingering, .closing, .ended: return []  // read only to be discarded
        }
        let framesBefore = session.framesReceived
        return sessionReceived(session.receive(bytes), framesBefore: framesBefore, now: now)
    }

    /// Reads from the socket and receives what came: `read` puts bytes into
    /// the room it is given (the session's own for a long body, else
    /// `scratch`: `ServerSession.receive(scratch:_:)`) and returns how many.
    public mutating func receive<Failure: Error>(
        scratch: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant,
        _ read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int?
    ) throws(Failure) -> (count: Int?, actions: [Action]) {
        switch phase {
        case .handshaking, .open, .draining: break
        case .lingering, .closing, .ended: return (try read(scratch), [])  // read only to be discarded
        }
        let framesBefore = session.framesReceived
        let (count, sessionActions) = try session.receive(scratch: scratch, read)
        guard let count, count > 0 else { return (count, []) }
        return (count, sessionReceived(sessionActions, framesBefore: framesBefore, now: now))
    }

    private mutating func sessionReceived(_ sessionActions: [ServerSession.Action], framesBefore: Int,
                                          now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        apply(sessionActions, now: now, &actions)
        if case .handshaking = phase, session.phase == .ready || session.phase == .classic { phase = .open }
        if !isReading || !session.isMidFrame {
            frameDeadline = nil
        } else if frameDeadline == nil || session.framesReceived != framesBefore {
            // The frame now half-received began in this read.
            frameDeadline = now + timeouts.frame
        }
        return actions
    }

    public mutating func received(_ bytes: [UInt8], now: ContinuousClock.Instant) -> [Action] {
        bytes.withUnsafeBytes { received($0, now: now) }
    }

    /// End of file, a reset, or a failed write: the client is gone for good.
    /// Its commands are torn down; nothing more is sent.
    public mutating func peerClosed(_ reason: String) -> [Action] {
        switch phase {
        case .ended: return []
        case .lingering: phase = .ended(.closed)
        case .handshaking, .open, .draining, .closing: phase = .ended(.lost(reason))
        }
        queue.removeAll()
        frameDeadline = nil
        stall = nil
        return session.connectionLost().map(Action.session)
    }

    /// The socket took `count` bytes from the front of the queue.
    public mutating func wrote(_ count: Int, now: ContinuousClock.Instant) -> [Action] {
        guard count > 0 else { return [] }
        queue.consume(count)
        if queue.isEmpty {
            stall = nil
        } else {
            stall?.took(count, now: now, timeout: writeStallTimeout)
        }
        var actions: [Action] = []
        lingerIfSent(now: now, &actions)
        return actions
    }

    /// A chunk of a command's output.
    public mutating func childOutput(_ id: Int64, _ kind: OutputKind, _ bytes: UnsafeRawBufferPointer,
                                     now: ContinuousClock.Instant) -> [Action] {
        guard isReading else { return [] }  // nothing more is sent: dropped
        let wasEmpty = queue.isEmpty
        let action = session.output(id: id, kind, bytes, into: &queue.bytes)
        // A classic command's output is held for its one reply: nothing is
        // queued, and a client cannot be slow to take what is not there.
        if wasEmpty, !queue.isEmpty { startStallWatch(now: now) }
        guard let action else { return [] }
        var actions: [Action] = []
        apply([action], now: now, &actions)
        return actions
    }

    /// The driver stopped reading the socket: the send queue is full, or the
    /// commands have not taken the stdin they were sent. A frame's deadline
    /// does not run while the server itself is not reading it: a client on
    /// a slow link would otherwise be blamed for the server's pause.
    public mutating func readingPaused() {
        frameDeadline = nil
    }

    /// The driver reads the socket again: a frame left half-received gets a
    /// deadline of its own from now.
    public mutating func readingResumed(now: ContinuousClock.Instant) {
        if isReading, session.isMidFrame, frameDeadline == nil { frameDeadline = now + timeouts.frame }
    }

    /// A command took `count` bytes of its stdin, or they were dropped because
    /// it closed its stdin: the session may acknowledge them (stdin windows).
    public mutating func stdinTaken(_ id: Int64, _ count: Int, now: ContinuousClock.Instant) -> [Action] {
        guard isReading else { return [] }
        var actions: [Action] = []
        apply(session.stdinTaken(id: id, count: count), now: now, &actions)
        return actions
    }

    /// A command has ended and all of its output was passed to `childOutput`.
    public mutating func childFinished(_ id: Int64, _ outcome: CommandOutcome, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        apply(session.finished(id: id, outcome), now: now, &actions)
        return actions
    }

    /// The driver could not start a command it was asked to start.
    public mutating func startFailed(_ error: ProtocolError, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        apply(session.startFailed(error), now: now, &actions)
        return actions
    }

    /// The server is stopping: no new commands; the running ones get the grace period.
    public mutating func beginShutdown(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .handshaking, .open: phase = .draining(graceEnds: now + timeouts.grace)
        case .draining, .closing, .lingering, .ended: return []
        }
        var actions: [Action] = []
        apply(session.beginShutdown(), now: now, &actions)
        return actions
    }

    /// Acts on every deadline that has passed by `now`.
    public mutating func expire(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        switch phase {
        case .handshaking(let deadline) where deadline <= now:
            actions.append(.session(.warning("handshake not finished within \(timeouts.handshake)")))
            apply(session.handshakeTimedOut(), now: now, &actions)
        case .draining(let graceEnds?) where graceEnds <= now:
            // The commands are torn down now; a client that is not taking its
            // output gets one more grace period, not the full stall timeout.
            phase = .draining(graceEnds: nil)
            writeStallTimeout = min(writeStallTimeout, timeouts.grace)
            if let current = stall { stall?.deadline = min(current.deadline, now + writeStallTimeout) }
            apply(session.terminateAll(), now: now, &actions)
        case .lingering(let deadline) where deadline <= now:
            phase = .ended(.closed)
        default:
            break
        }
        if let deadline = frameDeadline, deadline <= now {
            frameDeadline = nil
            actions.append(.session(.warning("a frame was not finished within \(timeouts.frame)")))
            apply(session.frameTimedOut(), now: now, &actions)
        }
        if let current = stall, current.deadline <= now {
            let reason = current.taken == 0 ? "the client read nothing for \(writeStallTimeout)"
                : "the client read only \(current.taken) bytes in \(writeStallTimeout), not \(Limits.sendQueueHighWater) or all it was sent"
            actions.append(.session(.warning("closed: \(reason)")))
            actions += peerClosed(reason)
        }
        return actions
    }

    // MARK: Carrying out the session's decisions

    /// Whether bytes from the client are still taken into the session, and output queued for it.
    var isReading: Bool {
        switch phase {
        case .handshaking, .open, .draining: return true
        case .closing, .lingering, .ended: return false
        }
    }

    mutating func apply(_ decisions: [ServerSession.Action], now: ContinuousClock.Instant, _ actions: inout [Action]) {
        for decision in decisions {
            switch decision {
            case .send(let bytes):
                // Once closing, the session's last frame is queued: a command
                // that could not start, asked for in the read that broke the
                // protocol, is not answered after the error.
                guard isReading, !bytes.isEmpty else { continue }
                if queue.isEmpty { startStallWatch(now: now) }
                queue.append(bytes)
            case .close:
                switch phase {
                case .handshaking, .open, .draining: phase = .closing
                case .closing, .lingering, .ended: break
                }
                frameDeadline = nil
                lingerIfSent(now: now, &actions)
            default:
                actions.append(.session(decision))
            }
        }
    }

    mutating func startStallWatch(now: ContinuousClock.Instant) {
        stall = StallWatch(deadline: now + writeStallTimeout)
    }

    /// Once the session has said its last and every byte is out: shut the
    /// sending side (the client reads end of file after the last frame) and linger.
    private mutating func lingerIfSent(now: ContinuousClock.Instant, _ actions: inout [Action]) {
        guard case .closing = phase, queue.isEmpty else { return }
        phase = .lingering(deadline: now + timeouts.linger)
        actions.append(.shutdownWriting)
    }
}
