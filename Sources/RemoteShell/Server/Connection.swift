import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTLS
import Synchronization

/// One client's connection as every driver serves it: the byte stream, the
/// connection machine (which decides), and the commands it started (which
/// this carries out). The first byte the client sends says what the stream
/// is (`Transport`): the socket as it is, or TLS over it; the terms the
/// connection is served on follow from that and from the server's policy
/// (`AdmissionPolicy`), before the session sees a byte. A driver asks it what to wait for (`appendInterests`,
/// `nextDeadline`, `hasReadyWork`), waits in its own way, passes what became
/// ready to `service`, and calls `flush` to send. Only the waiting differs
/// between the drivers: `poll` for blocking and threaded, the event loop for
/// coroutine.
final class Connection {
    let id: Int
    private(set) var stream: any ByteStream
    let peer: SocketAddress
    let configuration: ServerConfiguration
    let security: ServerSecurity
    /// What the kernel said about the peer's user (`Listener`).
    let standing: PeerStanding
    let logger: Logger
    /// Decided by the first byte; `nil` until it arrives.
    private var transport: Transport?
    /// The session has its terms: plain from the first byte, TLS once the handshake is done.
    private var admitted = false
    /// What the connection's log lines say about the client's authentication, once known.
    private var authenticationNote = ""
    var machine: ConnectionMachine
    private(set) var children: [Int64: ChildProcess] = [:]
    /// What the file requests in flight hold (Connection+Transfers.swift).
    var transfers: [Int64: ServedTransfer] = [:]
    /// Called with each descriptor of a command just before it is closed (an
    /// event loop drops it from its epoll set first).
    private let beforeClosing: (FileDescriptor) -> Void
    /// Called once, when the handshake ends or the connection closes before it does.
    private var handshakeEnded: (() -> Void)?
    private let openedAt = ContinuousClock.now
    private var commandsRun = 0
    /// The socket may hold input the last read did not take: it was reported
    /// ready, and no read since has come back short or met `EAGAIN`.
    private var socketMayHaveInput = false
    /// The client has hung up or reset (as far as the waits have said): the
    /// end of file may be behind the data, so a short read is not the end.
    private var peerHungUp = false
    /// Commands found complete during one `service` (kept to reuse its storage).
    private var completed: [Int64] = []
    /// Whether the socket was being read as of the last event (`noteReading`).
    private var reading = true

    private static let nextID = Atomic<Int>(1)

    init(socket: FileDescriptor, peer: SocketAddress, configuration: ServerConfiguration, security: ServerSecurity,
         standing: PeerStanding, logger: Logger,
         handshakeEnded: @escaping () -> Void = {}, beforeClosing: @escaping (FileDescriptor) -> Void = { _ in }) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        stream = PlainStream(socket)
        self.peer = peer
        self.configuration = configuration
        self.security = security
        self.standing = standing
        self.logger = logger
        self.handshakeEnded = handshakeEnded
        self.beforeClosing = beforeClosing
        machine = ConnectionMachine(session: ServerSession(configuration.sessionConfiguration()),
                                    timeouts: configuration.connectionTimeouts, now: openedAt)
        logger.info("conn=\(id) open peer=\(peer) mode=\(configuration.mode.rawValue)"
                    + (security.isOpenToTheNetwork ? " UNAUTHENTICATED" : ""))
    }

    // MARK: What the driver waits for

    /// Whether the socket should be read: the machine listens, and either the
    /// client keeps stdin windows (they bound the input) or the commands have
    /// taken most of the stdin queued for them.
    var wantsInput: Bool {
        machine.wantsInput && (machine.session.stdinWindow != nil || pendingInputBytes < Limits.stdinHighWater)
    }

    var pendingInputBytes: Int { children.values.reduce(0) { $0 + $1.pendingInputCount } }

    /// The connection is over: nothing left to read or send, no command left to reap.
    var isFinished: Bool { machine.isFinished && children.isEmpty && transfers.isEmpty }

    /// What to wait for now, as `poll` requests. The socket is always in the
    /// set while the client is there, so that a hang-up or reset is seen even
    /// while nothing is read from it (`poll` reports those unasked).
    func appendInterests(to requests: inout [PollRequest]) {
        if machine.isConnected {
            var events: PollEvents = []
            if wantsInput, !socketMayHaveInput { events.insert(.readable) }
            if hasBytesToSend { events.insert(.writable) }
            requests.append(PollRequest(stream.descriptor, events))
        }
        let acceptingOutput = machine.acceptsChildOutput
        for child in children.values { child.appendInterests(to: &requests, acceptingOutput: acceptingOutput) }
    }

    /// Bytes wait to go out: frames the machine queued, or bytes of the stream's own (TLS).
    var hasBytesToSend: Bool { machine.hasQueuedBytes || stream.hasPendingWrites }

    /// Whether something can be served without waiting: input or output
    /// known to be there (edge-triggered waits would not report it again).
    var hasReadyWork: Bool {
        if socketMayHaveInput, wantsInput { return true }
        if hasReadyTransfers { return true }
        return machine.acceptsChildOutput && children.values.contains { $0.hasUnreadOutput }
    }

    /// The earliest deadline of the connection and of its commands.
    var nextDeadline: ContinuousClock.Instant? {
        var earliest = machine.nextDeadline
        for child in children.values {
            guard let deadline = child.deadlines.nextDeadline else { continue }
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }

    // MARK: Serving

    /// Acts on what became ready (`ready` says it for each descriptor):
    /// reads the socket, serves each command, and acts on passed deadlines.
    /// `buffer` holds one read at a time; nothing is kept in it.
    func service(_ ready: (FileDescriptor) -> PollEvents, buffer: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) {
        if machine.isConnected {
            let events = ready(stream.descriptor)
            if !events.isDisjoint(with: [.hangup, .error]) { peerHungUp = true }
            if !events.isDisjoint(with: [.readable, .hangup, .error]) { socketMayHaveInput = true }
            if socketMayHaveInput { readSocket(buffer, now: now) }
        }
        for (id, child) in children {
            child.service(ready, buffer: buffer, acceptingOutput: { machine.acceptsChildOutput }, now: now) { stream, bytes in
                apply(machine.childOutput(id, stream == .stdout ? .stdout : .stderr, bytes, now: now), now: now)
            }
            if child.isComplete { completed.append(id) }
        }
        for id in completed { finish(id, now: now) }
        completed.removeAll(keepingCapacity: true)
        serviceTransfers(buffer: buffer, now: now)
        noteReading(now: now)
        if let deadline = machine.nextDeadline, deadline <= now { apply(machine.expire(now: now), now: now) }
    }

    /// Tells the machine when reading the socket stops or starts again, so
    /// that a frame's deadline runs only while the server reads.
    private func noteReading(now: ContinuousClock.Instant) {
        let wanted = wantsInput
        guard wanted != reading else { return }
        reading = wanted
        if wanted { machine.readingResumed(now: now) } else { machine.readingPaused() }
    }

    /// Reads the socket until it would block, at most `ChildProcess.readsPerTurn`
    /// times (the same fairness bound as a command's pipes), or until the
    /// connection stops wanting input. A client that hung up while nothing
    /// is read from it is gone: its results have nowhere to go.
    private func readSocket(_ buffer: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) {
        guard wantsInput else {
            if peerHungUp { apply(machine.peerClosed("hang-up"), now: now) }
            return
        }
        var reads = 0
        while socketMayHaveInput, wantsInput, reads < ChildProcess.readsPerTurn {
            var outcome = ReadOutcome.wouldBlock
            var room = buffer.count
            var received: [ConnectionMachine.Action] = []
            let wasAdmitted = admitted
            do {
                if wasAdmitted {
                    // The machine says where the bytes go: a file's data
                    // straight into its frame, anything else into `buffer`.
                    received = try machine.receive(scratch: buffer, now: now) { (into) throws(TransportError) -> Int? in
                        room = into.count
                        outcome = try stream.read(into: into)
                        if case .bytes(let count) = outcome { return count }
                        return nil
                    }.actions
                } else {
                    outcome = try stream.read(into: buffer)
                }
            } catch {
                streamFailed(error, now: now)
                return
            }
            if !admitted, transport == .tls { admitAfterHandshake() }
            switch outcome {
            case .wouldBlock:
                socketMayHaveInput = false
            case .endOfFile:
                socketMayHaveInput = false
                apply(machine.peerClosed("end of file"), now: now)
                return
            case .bytes(let count):
                reads += 1
                if !wasAdmitted {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    if transport == nil, chooseTransport(bytes) == .tls {
                        // The bytes were the start of a TLS handshake: read on, through TLS.
                        continue
                    }
                    received = machine.received(bytes, now: now)
                }
                apply(received, now: now)
                // A read that did not fill its room took all there was, and the
                // next wait reports whatever arrives after it: no read into
                // EAGAIN (nginx's rule). Unless the client has hung up (only a
                // read finds the end of file behind the data), or the stream
                // holds bytes already read.
                if count < room, !peerHungUp, !stream.hasBufferedInput { socketMayHaveInput = false }
            }
        }
    }

    /// The connection's first bytes say what it speaks. In clear, the session
    /// gets its terms now; for TLS, the stream becomes a TLS stream holding
    /// these bytes, and the terms wait for the end of the handshake.
    private func chooseTransport(_ firstBytes: UnsafeRawBufferPointer) -> Transport {
        let chosen = Transport(firstByte: firstBytes[0])
        transport = chosen
        switch chosen {
        case .plain:
            admit(security.policy.admission(over: .plain, peer: standing, authenticated: .none))
        case .tls:
            do {
                let session = try TLSSession(security.tls)
                session.receive(firstBytes)
                stream = TLSStream(stream.descriptor, session: session)
            } catch {
                // Only without memory: the connection cannot be served.
                logger.error("conn=\(id) cannot start TLS: \(error)")
                apply(machine.peerClosed("cannot start TLS: \(error)"), now: .now)
            }
        }
        return chosen
    }

    /// Once the TLS handshake is done: who the client is, and on what terms it is served.
    private func admitAfterHandshake() {
        guard let tls = stream as? TLSStream, tls.session.isEstablished else { return }
        let authenticated: ClientAuthentication
        if tls.session.usedPreSharedKey {
            authenticated = .preSharedKey
            authenticationNote = " auth=psk"
        } else if let key = tls.session.peerKey, security.authorizedKeys != nil {
            authenticated = .publicKey
            let comment = security.authorizedKeys?.comment(for: key) ?? ""
            authenticationNote = " auth=publickey key=\(key.fingerprint) comment=\(Self.quoted(comment))"
        } else {
            authenticated = .none
            authenticationNote = " auth=none"
        }
        logger.info("conn=\(id) tls=\(Self.quoted(tls.session.parameters))\(authenticationNote)")
        admit(security.policy.admission(over: .tls, peer: standing, authenticated: authenticated))
    }

    /// Gives the session its terms; a refusal is logged here, and carried out by the session.
    private func admit(_ admission: Admission) {
        admitted = true
        if let refusal = admission.refusal {
            logger.warning("conn=\(id) peer=\(peer) refused (\(refusal.code.rawValue)): \(refusal.message)")
        }
        machine.admit(admission)
    }

    /// `RSH_CONNECTION` for the commands, as sshd sets `SSH_CONNECTION`:
    /// "client-ip client-port server-ip server-port". Not for a Unix socket,
    /// which has no addresses to give.
    private lazy var connectionVariable: String? = {
        guard let local = try? stream.descriptor.localAddress() else { return nil }
        switch (peer, local) {
        case (.ipv4(let clientHost, let clientPort), .ipv4(let serverHost, let serverPort)),
             (.ipv6(let clientHost, let clientPort), .ipv6(let serverHost, let serverPort)):
            return "\(clientHost) \(clientPort) \(serverHost) \(serverPort)"
        default:
            return nil
        }
    }()

    /// The stream failed: a TLS handshake that did not pass, a record that
    /// was tampered with, or the socket. The log says which, and whose key.
    private func streamFailed(_ error: TransportError, now: ContinuousClock.Instant) {
        if case .tls(let failure) = error {
            let presented = (stream as? TLSStream)?.session.presentedPeerKey
            switch failure.kind {
            case .peerKeyRefused:
                let key = presented.map { "the key \($0.fingerprint)" } ?? "a key that is not Ed25519"
                logger.warning("conn=\(id) peer=\(peer) refused \(key): not in \(security.authorizedKeys?.path ?? "authorized_keys")")
            case .peerSentNoKey:
                logger.warning("conn=\(id) peer=\(peer) refused: the client sent no key")
            default:
                logger.warning("conn=\(id) peer=\(peer) TLS failed: \(failure.detail)")
            }
        }
        apply(machine.peerClosed("read failed: \(error)"), now: now)
    }

    /// Writes what the socket takes of the stream's own bytes, then of the queued ones.
    func flush(now: ContinuousClock.Instant = .now) {
        guard machine.isConnected, hasBytesToSend else { return }
        let written: Int?
        do {
            if stream.hasPendingWrites { try stream.flushPending() }
            guard machine.hasQueuedBytes else { return }
            written = try machine.withQueuedBytes { (bytes) throws(TransportError) in try stream.write(bytes) }
        } catch {
            apply(machine.peerClosed("write failed: \(error)"), now: now)
            return
        }
        if let written { apply(machine.wrote(written, now: now), now: now) }
        noteReading(now: now)
    }

    /// The server is stopping: no new commands; running ones get the grace period.
    func beginShutdown(now: ContinuousClock.Instant = .now) {
        apply(machine.beginShutdown(now: now), now: now)
    }

    /// The driver can no longer serve this connection (it could not wait, or has no thread for it).
    func abandon(_ reason: String, now: ContinuousClock.Instant = .now) {
        apply(machine.peerClosed(reason), now: now)
    }

    /// Closes the socket and writes the connection's log line.
    func close() {
        endHandshake()
        beforeClosing(stream.descriptor)
        stream.close()
        let seconds = Double(openedAt.duration(to: .now).milliseconds) / 1000
        var line = "conn=\(id) close peer=\(peer)\(authenticationNote) commands=\(commandsRun) seconds=\(seconds)"
        if case .ended(.lost(let reason)) = machine.phase { line += " reason=\"\(reason)\"" }
        logger.info(line)
    }

    // MARK: Carrying out the machine's actions

    func apply(_ actions: [ConnectionMachine.Action], now: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .shutdownWriting:
                stream.shutdownWriting()
            case .session(.start(let request)):
                start(request, now: now)
            case .session(.writeStdin(let id, let data)):
                guard let child = children[id] else { continue }
                child.queueInput(data)
                child.flushInput()
            case .session(.closeStdin(let id)):
                children[id]?.finishInput()
            case .session(.signal(let id, let signal)):
                children[id]?.signalGroup(signal)
            case .session(.resize(let id, let size)):
                children[id]?.resize(size)
            case .session(.terminate(let id)):
                children[id]?.beginTeardown(now: now)
            case .session(.finished(let record)):
                logger.info("conn=\(self.id) cmd=\(record.id) \(Self.describe(record.outcome)) ms=\(record.outcome.durationMilliseconds)"
                            + " bytes_out=\(record.bytesOut) command=\(Self.quoted(record.command))")
            case .session(.warning(let message)):
                logger.warning("conn=\(id) peer=\(peer) \(message)")
            case .session(.transfer(let action)):
                carryOut(action, now: now)
            case .session(.send), .session(.close):
                preconditionFailure("the connection machine sends and closes by itself")
            }
        }
        if handshakeEnded != nil, !machine.isHandshaking { endHandshake() }
    }

    private func endHandshake() {
        handshakeEnded?()
        handshakeEnded = nil
    }

    private func start(_ request: ExecRequest, now: ContinuousClock.Instant) {
        var environment = request.environment
        if let connectionVariable { environment["RSH_CONNECTION"] = connectionVariable }
        do {
            let child = try launch(request, environment: environment)
            children[request.id] = child
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
            apply(machine.startFailed(failure, now: now), now: now)
        }
    }

    /// Starts a request's command in its `cwd`, or else in the home
    /// directory with `PWD` naming it (unless `env` sets one), as after `cd
    /// ~`: the child's shell, or the program run in its place, then takes
    /// that `PWD` as it is instead of working the path out again. A home
    /// directory that cannot be entered at this moment gives `/`, as sshd's
    /// sessions fall back, not a `bad_cwd` for a directory the client never named.
    private func launch(_ request: ExecRequest, environment: [String: String]) throws(SpawnError) -> ChildProcess {
        func spawn(in directory: String, _ environment: [String: String]) throws(SpawnError) -> ChildProcess {
            let spec = CommandSpec(request.command, environment: environment, workingDirectory: directory,
                                   wantsStdin: request.wantsStdin, terminal: request.terminal)
            return try ChildProcess(spec, timeout: request.timeoutMilliseconds.map { .milliseconds($0) },
                                    grace: configuration.grace, beforeClosing: beforeClosing,
                                    inputTaken: { [weak self] count in self?.stdinTaken(request.id, count) })
        }
        func naming(_ directory: String) -> [String: String] {
            var named = environment
            if named["PWD"] == nil { named["PWD"] = directory }
            return named
        }
        if let requested = request.workingDirectory { return try spawn(in: ServerHome.resolved(requested), environment) }
        do throws(SpawnError) {
            return try spawn(in: ServerHome.path, naming(ServerHome.path))
        } catch .badWorkingDirectory(_, let errno) {
            logger.warning("conn=\(id) cmd=\(request.id) cannot enter the home directory \(ServerHome.path) (\(errno)): runs in /")
            return try spawn(in: "/", naming("/"))
        }
    }

    /// A command's stdin pipe took bytes, or they were dropped: the client may be told.
    private func stdinTaken(_ id: Int64, _ count: Int) {
        let now = ContinuousClock.now
        apply(machine.stdinTaken(id, count, now: now), now: now)
    }

    /// A command is complete (exited, pipes at end of file): reap it and report.
    private func finish(_ id: Int64, now: ContinuousClock.Instant) {
        guard let child = children.removeValue(forKey: id) else { return }
        apply(machine.childFinished(id, child.finish(), now: now), now: now)
    }

    private static func describe(_ outcome: CommandOutcome) -> String {
        let status: String
        switch outcome.status {
        case .exited(let code): status = "exit=\(code)"
        case .signaled(let signal): status = "signal=\(signal.name)"
        }
        return outcome.timedOut ? status + " timed_out=true" : status
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n") + "\""
    }
}
