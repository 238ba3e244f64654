import RSHProtocol
import RSHSpawn
import RSHSystem
import Synchronization

/// One connection's glue between the protocol session and the spawn layer,
/// shared by all three drivers: it applies the session's actions (spawn,
/// stdin, signals, teardown, logging), queues the bytes to send, and keeps
/// the connection's deadlines. It never waits: a driver asks it what it
/// needs (`wantsInput`, `acceptsChildOutput`, `nextDeadline`), waits in its
/// own way, and reports what happened. Only the waiting differs between drivers.
final class ConnectionState {
    /// Above this many queued bytes the children's pipes are not read: they
    /// fill, and the commands block (backpressure instead of buffering).
    static let outboundHighWater = 256 * 1024
    /// The send queue's storage is kept between bursts up to this size, so
    /// that a stream does not allocate, fault in and give back (brk) its
    /// buffer on every burst. The queue reaches the high-water mark plus one
    /// read of a pipe, and an array doubles its storage when it grows, so the
    /// storage of a busy stream can reach about three times the mark.
    static let retainedOutboundCapacity = 4 * outboundHighWater
    /// Above this many bytes of stdin not yet taken by the commands, the
    /// socket is not read, unless the client keeps stdin windows (they bound that input).
    static let inputHighWater = 256 * 1024
    /// After its last frame the server shuts its sending side and reads (and
    /// discards) for up to this long before closing: closing with unread
    /// input would make the kernel send a reset, and the client could lose
    /// the error frame that explains why ("lingering close").
    static let linger: Duration = .seconds(1)

    let id: Int
    let socket: FileDescriptor
    let peer: SocketAddress
    let configuration: ServerConfiguration
    let logger: Logger
    private(set) var session: ServerSession
    private(set) var children: [Int64: ChildProcess] = [:]
    private let beforeClosing: (FileDescriptor) -> Void
    /// Called once, when the handshake ends or the connection closes before it does.
    private var handshakeEnded: (() -> Void)?
    private let openedAt = ContinuousClock.now

    private var outbound: [UInt8] = []
    private var outboundStart = 0
    private(set) var closeRequested = false
    private(set) var peerGone = false
    private var handshakeDeadline: ContinuousClock.Instant?
    private var frameDeadline: ContinuousClock.Instant?
    private var writeStallDeadline: ContinuousClock.Instant?
    private var shutdownDeadline: ContinuousClock.Instant?
    /// Set when the last frame is out and the sending side shut.
    private var lingerDeadline: ContinuousClock.Instant?
    private var lingerDone = false
    private var commandsRun = 0
    private var lossReason: String?
    /// Commands started or torn down since the driver last asked (the coroutine driver acts on them).
    private var started: [Int64] = []
    private var tornDown: [Int64] = []
    private var inputChanged: [Int64] = []

    private static let nextID = Atomic<Int>(1)

    init(socket: FileDescriptor, peer: SocketAddress, configuration: ServerConfiguration, logger: Logger,
         handshakeEnded: @escaping () -> Void = {}, beforeClosing: @escaping (FileDescriptor) -> Void = { _ in }) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.socket = socket
        self.peer = peer
        self.configuration = configuration
        self.logger = logger
        self.handshakeEnded = handshakeEnded
        self.beforeClosing = beforeClosing
        var challenge: [UInt8] = []
        if configuration.key != nil {
            do {
                challenge = try randomBytes(Limits.handshakeRandomLength)
            } catch {
                // getrandom(2) fails only where it does not exist; there is no safe challenge without it.
                preconditionFailure("getrandom failed: \(error)")
            }
        }
        session = ServerSession(configuration.sessionConfiguration(), challenge: challenge)
        handshakeDeadline = openedAt + configuration.handshakeTimeout
        logger.info("conn=\(id) open peer=\(peer) mode=\(configuration.mode.rawValue)"
                    + (configuration.isOpenToTheNetwork ? " UNAUTHENTICATED" : ""))
    }

    // MARK: What the driver waits for

    /// Whether the socket should be read: the peer is there, the session
    /// still listens, and the client keeps stdin windows or the commands
    /// have taken most of their stdin.
    var wantsInput: Bool {
        !peerGone && (!closeRequested || isLingering)
            && (session.stdinWindow != nil || pendingInputBytes < Self.inputHighWater)
    }

    /// The server has said its last and waits for the client to close.
    var isLingering: Bool { lingerDeadline != nil && !lingerDone }

    /// Whether the children's output pipes should be read now. After the peer
    /// is gone their output is drained and dropped, so they never block on a full pipe.
    var acceptsChildOutput: Bool { peerGone || outboundCount < Self.outboundHighWater }

    var outboundCount: Int { outbound.count - outboundStart }
    var hasOutbound: Bool { !peerGone && outboundCount > 0 }

    var pendingInputBytes: Int { children.values.reduce(0) { $0 + $1.pendingInputCount } }

    /// The connection is over: nothing left to send, no command left to reap.
    var isFinished: Bool {
        children.isEmpty && (peerGone || lingerDone)
    }

    /// The earliest connection deadline: handshake, frame, write stall,
    /// shutdown grace, linger. (Each child's own deadlines are in
    /// `children[id].deadlines`.) Asked after every event, so it builds no
    /// array. Kept out of line: inlined into the coroutine driver's writer,
    /// its temporaries grew that coroutine's frame, and every idle connection
    /// took ~2 KiB more task memory (10,000 connections: 63 -> 84 MiB).
    var nextDeadline: ContinuousClock.Instant? {
        @inline(never) get {
            var earliest = handshakeDeadline
            Self.lower(&earliest, to: frameDeadline)
            Self.lower(&earliest, to: writeStallDeadline)
            Self.lower(&earliest, to: shutdownDeadline)
            if isLingering { Self.lower(&earliest, to: lingerDeadline) }
            return earliest
        }
    }

    /// Moves `earliest` to `deadline` if that comes first (`nil` is never).
    private static func lower(_ earliest: inout ContinuousClock.Instant?, to deadline: ContinuousClock.Instant?) {
        guard let deadline else { return }
        if let current = earliest, current <= deadline { return }
        earliest = deadline
    }

    // MARK: Events

    /// Bytes read from the socket.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        guard !isLingering else { return }  // read only to be discarded
        apply(session.receive(bytes))
        if session.phase == .ready || session.phase == .classic {
            handshakeDeadline = nil
            endHandshake()
        }
        if !session.isMidFrame {
            frameDeadline = nil
        } else if frameDeadline == nil {
            frameDeadline = .now + configuration.frameTimeout
        }
    }

    private func endHandshake() {
        handshakeEnded?()
        handshakeEnded = nil
    }

    /// End of file, a reset, or a failed write: the peer is gone for good.
    func peerClosed(_ reason: String) {
        guard !peerGone else { return }
        peerGone = true
        lossReason = reason
        outbound = []
        outboundStart = 0
        writeStallDeadline = nil
        handshakeDeadline = nil
        frameDeadline = nil
        apply(session.connectionLost())
    }

    /// A command took stdin bytes (or dropped them): the session may acknowledge them.
    private func stdinTaken(_ id: Int64, _ count: Int) {
        apply(session.stdinTaken(id: id, count: count))
    }

    /// One chunk from a child's output pipe.
    func childOutput(_ id: Int64, _ stream: ChildOutput, _ bytes: UnsafeRawBufferPointer) {
        guard !peerGone, lingerDeadline == nil else { return }
        let wasEmpty = outboundCount == 0
        if let action = session.output(id: id, stream == .stdout ? .stdout : .stderr, bytes, into: &outbound) {
            apply([action])
        }
        if wasEmpty, outboundCount > 0 { writeStallDeadline = .now + configuration.writeStallTimeout }
    }

    /// A child is complete (exited, pipes at end of file): reap it and report.
    func childCompleted(_ id: Int64) {
        guard let child = children.removeValue(forKey: id) else { return }
        let result = child.finish()
        let status: CommandOutcome.Status
        switch result.status {
        case .exited(let code): status = .exited(code)
        case .signaled(let signal): status = .signaled(name: signal.name, number: signal.rawValue)
        }
        apply(session.finished(id: id, CommandOutcome(status: status, timedOut: result.timedOut,
                                                      durationMilliseconds: result.duration.milliseconds)))
    }

    /// The server is stopping: no new commands; running ones get `grace` to finish.
    func beginShutdown() {
        guard shutdownDeadline == nil else { return }
        shutdownDeadline = .now + configuration.grace
        apply(session.beginShutdown())
    }

    /// Acts on connection deadlines that have passed.
    func expireDeadlines(now: ContinuousClock.Instant = .now) {
        if let deadline = handshakeDeadline, deadline <= now {
            handshakeDeadline = nil
            logger.warning("conn=\(id) peer=\(peer) handshake not finished within \(configuration.handshakeTimeout)")
            apply(session.handshakeTimedOut())
        }
        if let deadline = frameDeadline, deadline <= now {
            frameDeadline = nil
            logger.warning("conn=\(id) peer=\(peer) a frame was not finished within \(configuration.frameTimeout)")
            apply(session.frameTimedOut())
        }
        if let deadline = writeStallDeadline, deadline <= now {
            logger.warning("conn=\(id) peer=\(peer) closed: the client read nothing for \(configuration.writeStallTimeout)")
            peerClosed("the client read nothing for \(configuration.writeStallTimeout)")
        }
        if let deadline = shutdownDeadline, deadline <= now {
            shutdownDeadline = nil
            apply(session.terminateAll())
        }
        if isLingering, let deadline = lingerDeadline, deadline <= now {
            lingerDone = true
        }
    }

    /// Once the session has asked to close and its last bytes are out: shut
    /// the sending side (the client reads end of file after our last frame)
    /// and linger.
    private func lingerIfDone() {
        guard closeRequested, lingerDeadline == nil, !peerGone, outboundCount == 0 else { return }
        try? socket.shutdownWriting()
        lingerDeadline = .now + Self.linger
    }

    // MARK: Writing

    /// Hands the queued bytes to `write`, which returns how many it wrote.
    func writeOutbound(_ write: (UnsafeRawBufferPointer) throws(Errno) -> Int?) {
        guard hasOutbound else { return }
        let written: Int?
        do {
            written = try outbound.withUnsafeBytes { raw in
                Result { () throws(Errno) in try write(UnsafeRawBufferPointer(rebasing: raw[outboundStart...])) }
            }.get()
        } catch {
            peerClosed("write failed: \(error)")
            return
        }
        guard let written, written > 0 else { return }
        outboundStart += written
        if outboundCount == 0 {
            outbound.removeAll(keepingCapacity: outbound.capacity <= Self.retainedOutboundCapacity)
            outboundStart = 0
            writeStallDeadline = nil
            lingerIfDone()
        } else {
            writeStallDeadline = .now + configuration.writeStallTimeout
            if outboundStart >= Self.outboundHighWater {
                outbound.removeFirst(outboundStart)
                outboundStart = 0
            }
        }
    }

    /// Commands started since the last call.
    func takeStarted() -> [Int64] {
        defer { started.removeAll() }
        return started
    }

    /// Commands whose teardown began since the last call (their deadlines changed).
    func takeTornDown() -> [Int64] {
        defer { tornDown.removeAll() }
        return tornDown
    }

    /// Commands whose stdin got bytes or an end of file since the last call.
    func takeInputChanged() -> [Int64] {
        defer { inputChanged.removeAll() }
        return inputChanged
    }

    /// Closes the socket and writes the connection's log line.
    func close() {
        endHandshake()
        beforeClosing(socket)
        socket.closeAfterUse()
        let seconds = Double(openedAt.duration(to: .now).milliseconds) / 1000
        logger.info("conn=\(id) close peer=\(peer) commands=\(commandsRun) seconds=\(seconds)"
                    + (lossReason.map { " reason=\"\($0)\"" } ?? ""))
    }

    // MARK: Session actions

    private func apply(_ actions: [ServerSession.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                guard !peerGone else { continue }
                if outboundCount == 0 { writeStallDeadline = .now + configuration.writeStallTimeout }
                outbound += bytes
            case .start(let request):
                start(request)
            case .writeStdin(let id, let data):
                guard let child = children[id] else { continue }
                child.queueInput(data)
                child.flushInput()
                inputChanged.append(id)
            case .closeStdin(let id):
                children[id]?.finishInput()
                inputChanged.append(id)
            case .signal(let id, let name):
                children[id]?.signalGroup(Signal(name))
            case .terminate(let id):
                guard let child = children[id] else { continue }
                child.beginTeardown()
                tornDown.append(id)
            case .finished(let record):
                logger.info("conn=\(self.id) cmd=\(record.id) \(Self.describe(record.outcome)) ms=\(record.outcome.durationMilliseconds)"
                            + " bytes_out=\(record.bytesOut) command=\(Self.quoted(record.command))")
            case .close:
                closeRequested = true
                lingerIfDone()
            case .warning(let message):
                logger.warning("conn=\(id) peer=\(peer) \(message)")
            }
        }
    }

    private func start(_ request: ExecRequest) {
        let program: CommandSpec.Program
        switch request.command {
        case .shell(let text): program = .shell(text)
        case .argv(let words): program = .argv(words)
        }
        let spec = CommandSpec(program, environment: request.environment, workingDirectory: request.workingDirectory,
                               wantsStdin: request.wantsStdin)
        do {
            let child = try ChildProcess(spec, timeout: request.timeoutMilliseconds.map { .milliseconds($0) },
                                         grace: configuration.grace, beforeClosing: beforeClosing,
                                         inputTaken: { [weak self] count in self?.stdinTaken(request.id, count) })
            children[request.id] = child
            started.append(request.id)
            commandsRun += 1
            logger.debug("conn=\(id) cmd=\(request.id) start pid=\(child.processID) command=\(Self.quoted(request.displayText))")
        } catch {
            let failure: ProtocolError
            switch error {
            case .badWorkingDirectory(let path, let errno):
                failure = ProtocolError(.badCwd, "cannot change to \(path): \(errno)", id: request.id)
            case .resources, .cannotExecute:
                failure = ProtocolError(.spawnFailed, error.description, id: request.id)
            }
            logger.warning("conn=\(id) cmd=\(request.id) not started: \(failure.message)")
            apply(session.startFailed(failure))
        }
    }

    private static func describe(_ outcome: CommandOutcome) -> String {
        let status: String
        switch outcome.status {
        case .exited(let code): status = "exit=\(code)"
        case .signaled(let name, _): status = "signal=\(name)"
        }
        return outcome.timedOut ? status + " timed_out=true" : status
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n") + "\""
    }
}

extension Signal {
    /// The signal a client names in a `signal` request.
    init(_ name: SignalName) {
        switch name {
        case .INT: self = .interrupt
        case .TERM: self = .terminate
        case .KILL: self = .kill
        case .HUP: self = .hangup
        case .QUIT: self = .quit
        case .USR1: self = .user1
        case .USR2: self = .user2
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
