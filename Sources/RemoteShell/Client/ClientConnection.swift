import RSHProtocol
import RSHSystem

/// The client's end of a v1 connection, driven by `poll(2)`: the socket,
/// the local stdin being forwarded, and SIGINT (through a signalfd) are
/// watched together. Commands run one at a time. What to send, and in which
/// order, is the session's (signals overtake queued stdin). The bytes go
/// through a `ByteStream` that `ClientSecurity` set up: TLS or plain.
final class ClientConnection {
    /// Local stdin is not read while this much of it waits to be sent: the
    /// bound when the server gives no stdin window, and the bound on memory
    /// when the socket is slower than the window.
    static let queuedInputLimit = 256 * 1024

    let target: String
    private let stream: any ByteStream
    private var socket: FileDescriptor { stream.descriptor }
    private var session: ClientSession
    private let interrupts: SignalReader?
    private let output = LocalOutput()
    private var nextID: Int64 = 1
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private(set) var serverHello: ServerHello?
    /// The key offered in the TLS handshake, for messages about its refusal.
    private let identity: String?

    /// Queues the preface and hello on an established stream (whose TLS, if
    /// any, has authenticated both sides). The hello's answer is not waited
    /// for: the first command goes out with it, saving a round trip.
    init(target: String, stream: any ByteStream, identity: String? = nil, interrupts: SignalReader?) {
        self.target = target
        self.stream = stream
        self.identity = identity
        self.interrupts = interrupts
        session = ClientSession(clientName: RemoteShellVersion.clientName)
        session.queue(wireBytes: session.openingBytes)
    }

    deinit {
        stream.close()
        buffer.deallocate()
    }

    /// Waits for the server's hello.
    func waitUntilReady() throws(ClientError) {
        while serverHello == nil { try step(stdin: nil, state: nil) }
    }

    /// What happened to one running command, as the loop sees it.
    private final class Running {
        let id: Int64
        var stdinOpen: Bool
        var interrupts = 0
        var report: ExitReport?
        /// When set, output is kept here instead of written out.
        var captured: [OutputKind: [UInt8]]?
        /// The local terminal of a command on a remote terminal.
        let terminal: LocalTerminal?
        init(id: Int64, stdinOpen: Bool, capturing: Bool = false, terminal: LocalTerminal? = nil) {
            self.id = id
            self.stdinOpen = stdinOpen
            captured = capturing ? [.stdout: [], .stderr: []] : nil
            self.terminal = terminal
        }
        /// Where the signals this command handles are read.
        func signals(_ interrupts: SignalReader?) -> SignalReader? { terminal?.signals ?? interrupts }
    }

    /// Runs one command: its output is written to our stdout/stderr as it
    /// arrives; `stdin`, if given, is forwarded until its end of file. Ctrl-C
    /// sends INT to the remote command, a second one KILL, a third gives up.
    func execute(_ request: ExecRequest.Command, environment: [String: String] = [:], workingDirectory: String? = nil,
                 timeout: Duration? = nil, stdin: FileDescriptor? = nil) throws(ClientError) -> ExitReport {
        let running = try start(request, environment, workingDirectory, timeout, stdin: stdin, capturing: false)
        while running.report == nil { try step(stdin: stdin, state: running) }
        return running.report!
    }

    /// Runs one command on a remote terminal (`rsh -t`): what is typed at
    /// `terminal` goes to it, through the escapes; its output, one stream,
    /// comes to our stdout; our window's size follows it (SIGWINCH).
    func executeOnTerminal(_ request: ExecRequest.Command, _ terminal: LocalTerminal, environment: [String: String] = [:],
                           workingDirectory: String? = nil, timeout: Duration? = nil) throws(ClientError) -> ExitReport {
        let running = try start(request, environment, workingDirectory, timeout, stdin: terminal.input, capturing: false,
                                terminal: terminal)
        while running.report == nil { try step(stdin: terminal.input, state: running) }
        return running.report!
    }

    /// Runs one command with stdin at /dev/null and keeps its output instead of writing it.
    func executeCapturing(_ request: ExecRequest.Command, environment: [String: String] = [:], workingDirectory: String? = nil,
                          timeout: Duration? = nil) throws(ClientError) -> Captured {
        let running = try start(request, environment, workingDirectory, timeout, stdin: nil, capturing: true)
        while running.report == nil { try step(stdin: nil, state: running) }
        return Captured(report: running.report!, stdout: running.captured![.stdout]!, stderr: running.captured![.stderr]!)
    }

    private func start(_ request: ExecRequest.Command, _ environment: [String: String], _ workingDirectory: String?,
                       _ timeout: Duration?, stdin: FileDescriptor?, capturing: Bool,
                       terminal: LocalTerminal? = nil) throws(ClientError) -> Running {
        let id = nextID
        nextID += 1
        session.queue(.exec(ExecRequest(id: id, command: request, environment: environment, workingDirectory: workingDirectory,
                                        timeoutMilliseconds: timeout.map { max(1, $0.milliseconds) },
                                        wantsStdin: stdin != nil, terminal: terminal?.request)))
        return Running(id: id, stdinOpen: stdin != nil, capturing: capturing, terminal: terminal)
    }

    /// One turn of the loop: wait, then act on what is ready.
    private func step(stdin: FileDescriptor?, state: Running?) throws(ClientError) {
        var requests = [PollRequest(socket, hasBytesToSend ? [.readable, .writable] : .readable)]
        if let stdin, let state, stdinRoom(state) > 0 { requests.append(PollRequest(stdin, .readable)) }
        let signals = state?.signals(interrupts)
        if let signals { requests.append(PollRequest(signals.descriptor, .readable)) }
        do {
            try poll(&requests, timeoutMilliseconds: -1)
        } catch {
            throw .connectionLost("poll failed: \(error)")
        }
        for request in requests where !request.returned.isEmpty {
            switch request.descriptor {
            case socket:
                if request.returned.contains(.writable) { try flush() }
                if !request.returned.isDisjoint(with: [.readable, .hangup, .error]) { try readSocket(state) }
            case signals?.descriptor:
                while let signal = signals?.next() { try received(signal, state!) }
            default:
                try forwardStdin(request.descriptor, state!)
            }
        }
        if hasBytesToSend { try flush() }
    }

    private var hasBytesToSend: Bool { session.hasBytesToSend || stream.hasPendingWrites }

    private func failure(_ error: TransportError) -> ClientError {
        switch error {
        case .system(let errno): return .connectionLost("\(errno)")
        case .tls(let failure): return .tls(failure, identity: identity)
        case .notEstablished: return .connectionLost("\(error)")
        }
    }

    /// How many bytes of local stdin may be read for the command now: within
    /// its window, if the server gave one, and within `queuedInputLimit`.
    private func stdinRoom(_ state: Running) -> Int {
        guard state.stdinOpen else { return 0 }
        let room = min(buffer.count, Self.queuedInputLimit - session.queuedInputByteCount)
        return min(room, session.stdinRoom(for: state.id) ?? room)
    }

    /// Reads until the stream would block: a TLS stream may hold decrypted
    /// bytes that no new readiness of the socket would announce.
    private func readSocket(_ state: Running?) throws(ClientError) {
        while true {
            let outcome: ReadOutcome
            do {
                outcome = try stream.read(into: buffer)
            } catch {
                throw failure(error)
            }
            switch outcome {
            case .wouldBlock: return
            case .endOfFile: throw .connectionLost("the server closed the connection")
            case .bytes(let count):
                try handle(UnsafeRawBufferPointer(rebasing: buffer[..<count]), state)
                if count < buffer.count, !stream.hasBufferedInput { return }
            }
        }
    }

    private func handle(_ bytes: UnsafeRawBufferPointer, _ state: Running?) throws(ClientError) {
        for event in session.receive(bytes) {
            switch event {
            case .ready(let hello):
                serverHello = hello
            case .output(let id, let kind, let bytes) where id == state?.id:
                if state?.captured != nil { state?.captured?[kind]! += bytes } else { try output.write(kind, bytes) }
            case .exited(let report) where report.id == state?.id:
                state?.report = report
            case .rejected(let error) where error.id == state?.id:
                throw .rejected(error)
            case .failed(let error):
                throw .protocolViolation(error)
            case .output, .exited, .rejected, .pong, .file:
                continue
            }
        }
    }

    private func forwardStdin(_ fd: FileDescriptor, _ state: Running) throws(ClientError) {
        // A terminal's escapes may add one byte to what was read.
        let room = stdinRoom(state) - (state.terminal == nil ? 0 : 1)
        guard room > 0 else { return }
        let count: Int
        do {
            guard let read = try fd.tryRead(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<room])) else { return }
            count = read
        } catch {
            count = 0  // an unreadable stdin ends like an empty one
        }
        if count == 0 {
            state.stdinOpen = false
            session.queue(.eof(id: state.id))
        } else if let terminal = state.terminal {
            let data = try terminal.typed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            if !data.isEmpty { session.queue(.stdin(id: state.id, data: data)) }
        } else {
            session.queue(.stdin(id: state.id, data: Array(buffer[..<count])))
        }
    }

    /// A signal for the running command: on a terminal, a new window size
    /// (or the end of the session); otherwise Ctrl-C.
    private func received(_ signal: Signal, _ state: Running) throws(ClientError) {
        guard let terminal = state.terminal else { return try interrupted(state) }
        session.queue(.resize(id: state.id, try terminal.received(signal)))
    }

    private func interrupted(_ state: Running) throws(ClientError) {
        // The terminal has echoed "^C" where the cursor was.
        LocalOutput.atLineStart = false
        state.interrupts += 1
        switch state.interrupts {
        case 1: session.queue(.signal(id: state.id, .interrupt))
        case 2: session.queue(.signal(id: state.id, .kill))
        default: throw .interrupted
        }
    }

    /// Writes what the session has to send until the socket is full.
    private func flush() throws(ClientError) {
        do {
            while session.hasBytesToSend {
                let bytes = session.bytesToSend()
                let sent = try bytes.withUnsafeBytes { raw in
                    Result { () throws(TransportError) in try stream.write(raw) }
                }.get()
                guard let sent else { return }
                session.sent(sent)
                if sent < bytes.count { return }
            }
            if stream.hasPendingWrites { try stream.flushPending() }
        } catch {
            throw failureReason() ?? failure(error)
        }
    }

    /// After a failed write: what the server said before it closed, which
    /// says more than "Broken pipe": a fatal error (busy, forbidden, ...), or
    /// a TLS alert (the key it refused).
    private func failureReason() -> ClientError? {
        while true {
            let outcome: ReadOutcome
            do {
                outcome = try stream.read(into: buffer)
            } catch .tls(let alert) {
                return .tls(alert, identity: identity)
            } catch {
                return nil
            }
            guard case .bytes(let count) = outcome else { return nil }
            for case .failed(let reason) in session.receive(UnsafeRawBufferPointer(rebasing: buffer[..<count])) {
                return .protocolViolation(reason)
            }
        }
    }
}

extension ClientConnection {
    /// What a command printed, kept instead of shown.
    struct Captured {
        var report: ExitReport
        var stdout: [UInt8]
        var stderr: [UInt8]
    }
}
