/// One connection's protocol state, as a pure state machine: bytes and
/// process events go in, actions come out ("send these bytes", "start this
/// command", "close"). It never touches a socket or a process, so the three
/// server drivers share every protocol rule and differ only in how they wait.
public struct ServerSession {
    public struct Configuration: Sendable {
        /// `server` of the hello reply, e.g. "rshd/0.1.0".
        public var serverName: String
        /// `mode` of the hello reply: "blocking", "threaded" or "coroutine".
        public var mode: String
        public var maxExecs: Int
        /// Applied to commands whose request has no `timeout_ms`.
        public var defaultTimeoutMilliseconds: Int64?
        public var classicOutputCap: Int
        /// The stdin window offered to clients that ask for one; `nil` offers none.
        public var stdinWindow: Int?
        /// The upload window offered to the same clients; `nil`: uploads get the stdin window.
        public var uploadWindow: Int? = Limits.defaultUploadWindow

        public init(serverName: String, mode: String, maxExecs: Int = Limits.defaultMaxExecsPerConnection,
                    defaultTimeoutMilliseconds: Int64? = nil, classicOutputCap: Int = Limits.defaultClassicOutputCap,
                    stdinWindow: Int? = Limits.defaultStdinWindow) {
            precondition(stdinWindow.map { $0 >= 1 } ?? true, "a stdin window holds at least one byte")
            self.serverName = serverName
            self.mode = mode
            self.maxExecs = maxExecs
            self.defaultTimeoutMilliseconds = defaultTimeoutMilliseconds
            self.classicOutputCap = classicOutputCap
            self.stdinWindow = stdinWindow
        }
    }

    /// What the driver must do, in order.
    public enum Action: Hashable, Sendable {
        /// Write these bytes to the peer.
        case send([UInt8])
        /// Spawn this command. If that fails, report it with `startFailed`.
        case start(ExecRequest)
        case writeStdin(id: Int64, [UInt8])
        /// Close the command's stdin once the bytes before it are written;
        /// for a command with a terminal, write the terminal's end-of-file
        /// character instead (a terminal cannot be half-closed).
        case closeStdin(id: Int64)
        /// Deliver a signal to the command's process group.
        case signal(id: Int64, Signal)
        /// Set the window size of the command's terminal.
        case resize(id: Int64, WindowSize)
        /// Tear the command down: TERM to its group, a grace period, then KILL.
        case terminate(id: Int64)
        /// A command ended; one log line.
        case finished(CommandRecord)
        /// Something the server's log should say.
        case warning(String)
        /// File work for a file request (ServerSession+Transfers.swift).
        case transfer(TransferAction)
        /// Close the connection once everything queued is written.
        case close
    }

    /// What a log line says about one command.
    public struct CommandRecord: Hashable, Sendable {
        public var id: Int64
        public var command: String
        public var outcome: CommandOutcome
        public var bytesOut: Int
    }

    public enum Phase: Hashable, Sendable {
        /// Waiting for the first bytes: "\0RSH" for v1, anything else for classic.
        case preface
        case awaitingHello
        case ready
        case classic
        case closed
    }

    struct Command {
        var request: ExecRequest
        var stdinOpen: Bool
        /// Its stdin against the window (with a stdin window).
        var stdinWindow = WindowAccount()
        var bytesOut = 0
        /// Classic commands buffer their output: stderr, then stdout, in one reply.
        var classicStdout: [UInt8] = []
        var classicStderr: [UInt8] = []
        var classicTruncated = false
    }

    public let configuration: Configuration
    /// The terms of this connection (`admit`).
    public private(set) var admission = Admission.open
    public internal(set) var phase: Phase = .preface
    public private(set) var isShuttingDown = false
    /// Frames received whole, the preface counted as one. One read can end a
    /// frame and begin the next, and each frame has its own deadline.
    public private(set) var framesReceived = 0
    /// The stdin window of each command on this connection, once the
    /// handshake has agreed on one; `nil` for a client that keeps none.
    public internal(set) var stdinWindow: Int?
    /// The window of each upload, agreed with the stdin window.
    public internal(set) var uploadWindow: Int?
    private var preface: [UInt8] = []
    private var decoder = FrameDecoder(.v1)
    /// What one read of a classic connection held, waiting for its turn.
    enum ClassicEntry {
        case command(String)
        /// Not UTF-8 (or holding a NUL): answered with an error, never run.
        case notText
    }

    var commands: [Int64: Command] = [:]
    /// File requests in flight; their ids are unique among the commands' too.
    var transfers: [Int64: Transfer] = [:]
    var classicQueue: [ClassicEntry] = []
    var nextClassicID: Int64 = 1

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Sets the terms of the connection, before its first byte is received.
    public mutating func admit(_ admission: Admission) {
        precondition(phase == .preface && preface.isEmpty, "a connection is admitted before its first byte")
        self.admission = admission
    }

    /// The commands started and not yet finished.
    public var runningCommandIDs: [Int64] { Array(commands.keys) }
    public var hasRunningCommands: Bool { !commands.isEmpty }

    // MARK: Bytes from the peer

    /// Feeds bytes from the socket. For a classic connection, each call is
    /// one read and therefore one command, as classic servers treat it.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [Action] {
        guard !bytes.isEmpty else { return [] }
        var actions: [Action] = []
        var remaining = bytes[...]
        if phase == .preface {
            if preface.isEmpty, let refusal = admission.refusal {
                // Refused before anything is read, in the format the first byte asks for.
                guard bytes[0] == Limits.preface[0] else {
                    phase = .closed
                    return [.send(classicReply(code: 255, body: Array("rshd: \(refusal.message)\n".utf8))), .close]
                }
                return fail(refusal.code, refusal.message)
            }
            if preface.isEmpty, bytes[0] != Limits.preface[0] {
                phase = .classic
                guard admission.acceptsClassic else {
                    phase = .closed
                    return [.send(classicReply(code: 255, body: Array("rshd: classic connections are not accepted by this server\n".utf8))),
                            .close]
                }
            } else {
                let needed = Limits.preface.count - preface.count
                preface += remaining.prefix(needed)
                remaining = remaining.dropFirst(needed)
                if preface.count < Limits.preface.count {
                    guard Limits.preface.starts(with: preface) else { return fail(.badPreface, "expected \"\\0RSH\"") }
                    return []
                }
                guard preface == Limits.preface else { return fail(.badPreface, "expected \"\\0RSH\"") }
                phase = .awaitingHello
                framesReceived += 1
            }
        }
        switch phase {
        case .classic:
            receiveClassic(UnsafeRawBufferPointer(rebasing: remaining), &actions)
        case .awaitingHello, .ready:
            decoder.feed(UnsafeRawBufferPointer(rebasing: remaining))
            decodeFrames(&actions)
        case .preface, .closed:
            break
        }
        return actions
    }

    /// Reads and receives: `read` puts bytes into the room it is given and
    /// returns how many (`nil` or 0: none, and nothing is received). Once the
    /// preface is in, the room is the decoder's (`FrameDecoder.fill`): a long
    /// body, a file's data, is read into its frame in place. Before that,
    /// and on a classic connection, the room is `scratch`.
    public mutating func receive<Failure: Error>(
        scratch: UnsafeMutableRawBufferPointer, _ read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int?
    ) throws(Failure) -> (count: Int?, actions: [Action]) {
        switch phase {
        case .awaitingHello, .ready:
            let count = try decoder.fill(scratch: scratch, read)
            var actions: [Action] = []
            if let count, count > 0 { decodeFrames(&actions) }
            return (count, actions)
        case .preface, .classic, .closed:
            let count = try read(scratch)
            guard let count, count > 0 else { return (count, []) }
            return (count, receive(UnsafeRawBufferPointer(rebasing: scratch[..<count])))
        }
    }

    private mutating func decodeFrames(_ actions: inout [Action]) {
        while phase != .closed {
            let frame: Frame?
            do { frame = try decoder.next() } catch {
                actions += fail(error.code, error.message)
                break
            }
            guard let frame else { break }
            framesReceived += 1
            handle(frame, &actions)
        }
    }

    public mutating func receive(_ bytes: [UInt8]) -> [Action] {
        bytes.withUnsafeBytes { receive($0) }
    }

    private mutating func handle(_ frame: Frame, _ actions: inout [Action]) {
        if phase == .awaitingHello, frame.type != "hello" {
            actions += fail(.helloRequired, "the first frame must be hello, not \(frame.type)")
            return
        }
        let message: ClientMessage
        do {
            message = try ClientMessage(frame)
        } catch {
            reject(error, &actions)
            return
        }
        switch (phase, message) {
        case (.awaitingHello, .hello(let version, _, let wantsStdinWindow)):
            guard version == Int64(Limits.protocolVersion) else {
                actions += fail(.unsupportedVersion, "this server speaks version \(Limits.protocolVersion), not \(version)")
                return
            }
            var hello = ServerHello(server: configuration.serverName, mode: configuration.mode,
                                    auth: admission.clientAuthentication.rawValue)
            if wantsStdinWindow, let window = configuration.stdinWindow {
                stdinWindow = window
                hello.stdinWindow = Int64(window)
                uploadWindow = configuration.uploadWindow ?? window
                hello.uploadWindow = configuration.uploadWindow.map(Int64.init)
            }
            phase = .ready
            actions.append(send(.hello(hello)))
        case (.awaitingHello, _):
            preconditionFailure("only hello is decoded before the handshake")
        case (_, .hello):
            actions += fail(.badRequest, "hello sent twice")
        case (_, .exec(var request)):
            if let refusal = refusal(id: request.id) {
                reject(refusal, &actions)
            } else {
                request.timeoutMilliseconds = request.timeoutMilliseconds ?? configuration.defaultTimeoutMilliseconds
                commands[request.id] = Command(request: request, stdinOpen: request.wantsStdin || request.terminal != nil)
                actions.append(.start(request))
            }
        case (_, .stdin(let id, let data)):
            receiveStdin(id: id, data, &actions)
        case (_, .eof(let id)):
            if commands[id]?.stdinOpen == true {
                commands[id]?.stdinOpen = false
                actions.append(.closeStdin(id: id))
            }
        case (_, .signal(let id, let signal)):
            guard commands[id] != nil else { return }
            actions.append(signal == .kill ? .terminate(id: id) : .signal(id: id, signal))
        case (_, .resize(let id, let size)):
            // Like stdin for a command without stdin: a command without a
            // terminal, or one that has ended, has no window to resize.
            guard commands[id]?.request.terminal != nil else { return }
            actions.append(.resize(id: id, size))
        case (_, .ping):
            actions.append(send(.pong))
        case (_, .file(let id, let request)):
            beginTransfer(id: id, request, &actions)
        case (_, .fileData(let id, let data)):
            receiveFileData(id: id, data, &actions)
        case (_, .fileEnd(let id, let digest)):
            receiveFileEnd(id: id, sha256: digest, &actions)
        }
    }

    /// Why a command or file request with this id cannot begin now, if it cannot.
    func refusal(id: Int64) -> ProtocolError? {
        if isShuttingDown { return ProtocolError(.shuttingDown, "the server is shutting down", id: id) }
        if commands[id] != nil || transfers[id] != nil {
            return ProtocolError(.duplicateID, "request \(id) is still in flight", id: id)
        }
        if commands.count + transfers.count >= configuration.maxExecs {
            return ProtocolError(.tooManyExecs, "at most \(configuration.maxExecs) commands and file requests may be in flight at once"
                                 + " on one connection", id: id)
        }
        return nil
    }

    /// A message as bytes to send.
    func send(_ message: ServerMessage) -> Action {
        .send(message.encoded)
    }

    // MARK: Events from the driver

    /// The driver could not start a command it was asked to start.
    public mutating func startFailed(_ error: ProtocolError) -> [Action] {
        guard let id = error.id, commands.removeValue(forKey: id) != nil else { return [] }
        if phase == .classic {
            var actions: [Action] = [.send(classicReply(code: 255, body: Array("rshd: \(error.message)\n".utf8)))]
            startNextClassic(&actions)
            return actions
        }
        return [send(.error(error))] + closeIfDrained()
    }

    /// Output of a running command. For v1 the frame is appended to `output`
    /// straight away; a classic command's output is kept for its one reply.
    /// Returns `.terminate` once if a classic command passes its output cap.
    public mutating func output(id: Int64, _ kind: OutputKind, _ data: UnsafeRawBufferPointer,
                                into output: inout [UInt8]) -> Action? {
        // Once closed, the session says nothing more: after a fatal error the
        // error frame is the last thing the client reads.
        guard phase != .closed, var command = commands[id], !data.isEmpty else { return nil }
        defer { commands[id] = command }
        command.bytesOut += data.count
        guard phase == .classic else {
            ServerMessage.appendOutput(id: id, kind, data, to: &output)
            return nil
        }
        let room = configuration.classicOutputCap - command.classicStdout.count - command.classicStderr.count
        let kept = UnsafeRawBufferPointer(rebasing: data.prefix(max(0, room)))
        switch kind {
        case .stdout: command.classicStdout += kept
        case .stderr: command.classicStderr += kept
        }
        if kept.count < data.count, !command.classicTruncated {
            command.classicTruncated = true
            return .terminate(id: id)
        }
        return nil
    }

    /// A command has ended and all of its output has been passed to `output`.
    public mutating func finished(id: Int64, _ outcome: CommandOutcome) -> [Action] {
        guard let command = commands.removeValue(forKey: id) else { return [] }
        let record = CommandRecord(id: id, command: command.request.displayText, outcome: outcome, bytesOut: command.bytesOut)
        if phase == .closed { return [.finished(record)] }
        if phase == .classic {
            var actions: [Action] = [.send(classicReply(command, outcome)), .finished(record)]
            startNextClassic(&actions)
            return actions
        }
        return [send(.exit(ExitReport(id: id, outcome))), .finished(record)] + closeIfDrained()
    }

    /// The peer is gone (end of file, reset, or a write that failed): every
    /// running command is torn down; nothing more is sent.
    public mutating func connectionLost() -> [Action] {
        phase = .closed
        classicQueue.removeAll()
        return commands.keys.sorted().map { .terminate(id: $0) } + abortTransfers("the connection was lost")
    }

    /// The server stops: no new commands; the connection closes once the
    /// running ones finish (the driver tears them down after the grace period).
    public mutating func beginShutdown() -> [Action] {
        isShuttingDown = true
        classicQueue.removeAll()
        return closeIfDrained()
    }

    /// The handshake deadline passed. Until the client's hello is answered
    /// the connection is told so and closed; after it, nothing happens.
    public mutating func handshakeTimedOut() -> [Action] {
        guard phase == .preface || phase == .awaitingHello else { return [] }
        return fail(.handshakeTimeout, "the handshake did not finish in time")
    }

    /// Whether the peer is in the middle of sending something: a partial
    /// preface or frame. (Classic connections have no frames.)
    public var isMidFrame: Bool {
        switch phase {
        case .preface: return !preface.isEmpty
        case .awaitingHello, .ready: return !decoder.isAtFrameBoundary
        case .classic, .closed: return false
        }
    }

    /// A frame that had begun did not finish within the deadline: the
    /// connection is told so and closed.
    public mutating func frameTimedOut() -> [Action] {
        guard isMidFrame else { return [] }
        return fail(.frameTimeout, "a frame was started and not finished in time")
    }

    /// The bytes for a connection the server cannot take (it is at its limit):
    /// a `busy` error, after which the driver closes the connection.
    public static func busyReply() -> [UInt8] {
        ServerMessage.error(ProtocolError(.busy, "the server is at its connection limit; try again later")).encoded
    }

    /// Teardown actions for every running command, and the end of every file
    /// request (the shutdown grace period is over).
    public mutating func terminateAll() -> [Action] {
        commands.keys.sorted().map { .terminate(id: $0) } + abortTransfers("the server shut down") + closeIfDrained()
    }

    // MARK: Helpers

    mutating func fail(_ code: ErrorCode, _ message: String) -> [Action] {
        let error = ProtocolError(code, message)
        phase = .closed
        classicQueue.removeAll()
        return [send(.error(error)), .close] + commands.keys.sorted().map { .terminate(id: $0) }
            + abortTransfers("closed: \(error.description)")
    }

    mutating func reject(_ error: ProtocolError, _ actions: inout [Action]) {
        if error.isFatal { actions += fail(error.code, error.message) } else { actions.append(send(.error(error))) }
    }

    mutating func closeIfDrained() -> [Action] {
        guard isShuttingDown, commands.isEmpty, transfers.isEmpty, phase != .closed else { return [] }
        let wasClassic = phase == .classic
        phase = .closed
        if wasClassic { return [.close] }
        return [send(.error(ProtocolError(.shuttingDown, "the server is shutting down"))), .close]
    }
}
