import RSHProtocol
import RSHSystem

/// One command on many hosts, from one thread: an event loop, one coroutine
/// per host in flight, at most `window` of them at a time; a new host starts
/// as soon as one finishes (pdsh's and clush's sliding window). No thread and
/// no process per host.
///
/// Output goes out as it arrives (lines prefixed `host: `), or is held and
/// printed at the end grouped by identical output (`-b`), or as one JSON
/// object per host. Ctrl-C once says which hosts are still running and sends
/// INT to their commands; twice, it stops everything and exits 130. What
/// arrived before is never lost: it is printed either way.
actor FanOut {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let loop: EventLoop
    let options: FanOutOptions
    /// How every host is reached: TLS with the identity (or the pre-shared
    /// key) and known_hosts, never asking; or plain.
    private let security: ClientSecurity
    private let interrupts: SignalReader?
    private var reports: [HostReport?]
    private var running: [Int: HostRun] = [:]
    private var nextHost = 0
    private var interruptCount = 0
    /// Wakes `run` when a host finishes.
    private let watcher = EventLoop.WaitHandle()
    private let output = LocalOutput()

    /// A host in flight: its connection's state, which Ctrl-C reaches into.
    final class HostRun {
        let host: String
        let handle = EventLoop.WaitHandle()
        var session = ClientSession(clientName: RemoteShellVersion.clientName)
        var stdout: LinePrefixer
        var stderr: LinePrefixer
        var heldStdout: [UInt8] = []
        var heldStderr: [UInt8] = []
        /// The user stopped everything: the host's wait ends, and so does its run.
        var abandoned = false
        /// The user pressed Ctrl-C once: INT goes to the command once it is started.
        var interruptRequested = false

        init(host: String) {
            self.host = host
            stdout = LinePrefixer(host: host)
            stderr = LinePrefixer(host: host)
        }
    }

    private init(options: FanOutOptions, security: ClientSecurity, loop: EventLoop, interrupts: SignalReader?) {
        self.options = options
        self.security = security
        self.loop = loop
        self.interrupts = interrupts
        unownedExecutor = loop.asUnownedSerialExecutor()
        reports = Array(repeating: nil, count: options.hosts.count)
    }

    /// Runs the fan-out on the calling thread and returns rsh's exit status.
    static func run(_ options: FanOutOptions, security: ClientSecurity, interrupts: SignalReader?) throws(ClientError) -> Int32 {
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "fan-out")
        } catch {
            throw .unusable("cannot start the event loop: \(error)")
        }
        let fanOut = FanOut(options: options, security: security, loop: loop, interrupts: interrupts)
        let status = StatusBox()
        Task(executorPreference: loop) {
            status.value = await fanOut.runAll()
            loop.stop()
        }
        loop.run()
        return status.value
    }

    /// The exit status, carried from the loop's task to the caller (the loop
    /// has stopped by the time it is read).
    private final class StatusBox: @unchecked Sendable {
        var value: Int32 = 255
    }

    // MARK: The window

    private func runAll() async -> Int32 {
        startHosts()
        while !running.isEmpty {
            var interests: [EventLoop.Interest] = []
            if let interrupts, interruptCount < 2 { interests.append(.readable(interrupts.descriptor)) }
            _ = await loop.wait(interests, handle: watcher)
            while let signal = interrupts?.next(), signal == .interrupt { interrupted() }
        }
        if let interrupts { loop.deregister(interrupts.descriptor) }
        return finish()
    }

    /// Starts hosts until the window is full or none is left (none after a Ctrl-C).
    private func startHosts() {
        while running.count < options.window, nextHost < options.hosts.count, interruptCount == 0 {
            let index = nextHost
            nextHost += 1
            running[index] = HostRun(host: options.hosts[index])
            Task(executorPreference: loop) { await self.serve(index) }
        }
    }

    private func serve(_ index: Int) async {
        guard let run = running[index] else { return }
        let started = ContinuousClock.now
        var report = await exchange(run, started: started)
        report.duration = started.duration(to: .now)
        report.stdout = run.heldStdout
        report.stderr = run.heldStderr
        if options.output == .live {
            write(.standardOutput, run.stdout.finish())
            write(.standardError, run.stderr.finish())
        }
        if options.output == .json { write(.standardOutput, FanOutSummary.jsonLine(report)) }
        reports[index] = report
        running[index] = nil
        startHosts()
        loop.interrupt(watcher)
    }

    /// Ctrl-C: the first time, say which hosts are still running and send
    /// their commands INT; the second time, stop them all.
    private func interrupted() {
        interruptCount += 1
        let hosts = running.values.map(\.host)
        if interruptCount == 1 {
            let waiting = options.hosts.count - nextHost
            output.message("rsh: interrupt: still running on \(hosts.isEmpty ? "no host" : HostList.fold(hosts))"
                           + (waiting > 0 ? "; \(waiting) not started, and will not be" : "")
                           + " (Ctrl-C again to stop at once)")
            for run in running.values {
                run.interruptRequested = true
                loop.interrupt(run.handle)
            }
        } else {
            for run in running.values {
                run.abandoned = true
                loop.interrupt(run.handle)
            }
        }
    }

    /// Prints what is left to print and works out the exit status.
    private func finish() -> Int32 {
        var all: [HostReport] = []
        for (index, host) in options.hosts.enumerated() {
            all.append(reports[index] ?? HostReport(host: host, ending: .failed("not started: interrupted")))
        }
        if case .gathered(let includingStderr) = options.output {
            write(.standardOutput, FanOutSummary.gathered(all, includingStderr: includingStderr))
        }
        if !options.quiet {
            for line in FanOutSummary.complaints(all) { output.message("rsh: " + line) }
        }
        return interruptCount > 0 ? ExitStatus.signaled(.interrupt).shellStatus
                                  : FanOutSummary.exitStatus(all, worst: options.worstStatus)
    }

    // MARK: One host

    /// Connects, runs the command, and reads until its exit.
    private func exchange(_ run: HostRun, started: ContinuousClock.Instant) async -> HostReport {
        func ending(_ ending: HostReport.Ending) -> HostReport { HostReport(host: run.host, ending: ending) }
        guard let address = SocketAddress.parse(run.host, defaultPort: options.port) else {
            return ending(.unreachable("cannot resolve the host name"))
        }
        let socket: FileDescriptor
        do {
            socket = try FileDescriptor.connectingSocket(to: address)
        } catch {
            return ending(.unreachable(Self.describe(error)))
        }
        defer {
            loop.deregister(socket)
            socket.closeAfterUse()
        }
        // The connection, and its TLS handshake, within the connect timeout.
        let connectDeadline = started + options.connectTimeout
        var interests: [EventLoop.Interest] = [.writable(socket)]
        while true {
            switch await loop.wait(interests, until: connectDeadline, handle: run.handle) {
            case .ready: break
            case .timedOut: return ending(.unreachable("connection timed out"))
            case .interrupted:
                if run.abandoned { return ending(.failed("interrupted")) }
                continue
            }
            break
        }
        let stream: any ByteStream
        do {
            if let error = try socket.connectionError() { return ending(.unreachable(Self.describe(error))) }
            if let tls = try security.startTLS(socket) {
                while try !security.advanceHandshake(tls) {
                    try flush(tls)
                    interests = [.readable(socket)]
                    if tls.hasPendingWrites { interests.append(.writable(socket)) }
                    switch await loop.wait(interests, until: connectDeadline, handle: run.handle) {
                    case .ready, .interrupted:
                        if run.abandoned { return ending(.failed("interrupted")) }
                    case .timedOut:
                        return ending(.unreachable("the TLS handshake did not finish within \(options.connectTimeout)"))
                    }
                    while let count = try socket.tryRead(into: loop.scratch) {
                        guard count > 0 else { return ending(.unreachable("the server closed the connection during the TLS handshake")) }
                        tls.session.receive(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
                    }
                }
                // Nothing is sent before the server has proven who it is.
                try security.acceptServer(of: tls, target: run.host)
                stream = tls
            } else {
                stream = PlainStream(socket)
            }
        } catch let error as ClientError {
            return ending(.unreachable(error.description))
        } catch let error as Errno {
            return ending(.unreachable(Self.describe(error)))
        } catch let error as TransportError {
            return ending(.unreachable(error.description))
        } catch {
            return ending(.unreachable("\(error)"))
        }
        // The command.
        let id: Int64 = 1
        run.session.queue(wireBytes: run.session.openingBytes)
        run.session.queue(.exec(ExecRequest(id: id, command: options.command, environment: options.environment,
                                            workingDirectory: options.workingDirectory,
                                            timeoutMilliseconds: options.timeout.map { max(1, $0.milliseconds) },
                                            wantsStdin: options.stdin != nil)))
        var stdin = StdinProgress()
        var signalSent = false
        // A server that stops answering is cut off once the command's own
        // timeout and the server's teardown would long be over.
        let deadline = options.timeout.map { ContinuousClock.now + $0 + Self.teardownAllowance }
        while true {
            // Read first: what the server said (its hello, a window) decides what may be sent.
            do {
                reading: while true {
                    switch try stream.read(into: loop.scratch) {
                    case .wouldBlock: break reading
                    case .endOfFile: return ending(.failed("the server closed the connection"))
                    case .bytes(let count):
                        for event in run.session.receive(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count])) {
                            switch event {
                            case .output(_, let kind, let bytes): deliver(kind, bytes, of: run)
                            case .exited(let report): return ending(.finished(report.outcome))
                            case .rejected(let error), .failed(let error): return ending(.failed(error.message))
                            case .ready, .pong: continue
                            }
                        }
                        if count < loop.scratch.count { break reading }
                    }
                }
                if run.interruptRequested, !signalSent, run.session.phase == .ready {
                    run.session.queue(.signal(id: id, .interrupt))
                    signalSent = true
                }
                if let bytes = options.stdin { feed(bytes, to: run, id: id, progress: &stdin) }
                try flush(stream)
                while run.session.hasBytesToSend, !stream.hasPendingWrites {
                    let written = try run.session.bytesToSend().withUnsafeBytes { raw in
                        Result { () throws(TransportError) in try stream.write(raw) }
                    }.get()
                    guard let written else { break }
                    run.session.sent(written)
                }
            } catch {
                return ending(.failed(error.description))
            }
            interests = [.readable(socket)]
            if run.session.hasBytesToSend || stream.hasPendingWrites { interests.append(.writable(socket)) }
            switch await loop.wait(interests, until: deadline, handle: run.handle) {
            case .ready: continue
            case .timedOut: return ending(.failed("timed out: no answer within \(options.timeout!) and the teardown after it"))
            case .interrupted:
                if run.abandoned { return ending(.failed("interrupted")) }
            }
        }
    }

    /// Sends what the stream itself has to send (TLS records) while the socket takes it.
    private func flush(_ stream: any ByteStream) throws(TransportError) {
        if stream.hasPendingWrites { try stream.flushPending() }
    }

    /// How long past `--timeout` a host may take to report its command's end:
    /// the server's teardown (TERM, its grace, KILL) and a margin.
    static let teardownAllowance: Duration = .seconds(5)

    /// How much of `--stdin` one host has been sent.
    private struct StdinProgress {
        var sent = 0
        var ended = false
    }

    /// Queues as much of `stdin` as the host's window allows, then its end.
    private func feed(_ stdin: [UInt8], to run: HostRun, id: Int64, progress: inout StdinProgress) {
        guard !progress.ended else { return }
        while progress.sent < stdin.count {
            // Without a window (an older server), keep the send queue short instead.
            let room = run.session.stdinRoom(for: id) ?? max(0, Limits.stdinHighWater - run.session.queuedInputByteCount)
            guard room > 0 else { return }
            let count = min(room, Limits.readChunkSize, stdin.count - progress.sent)
            run.session.queue(.stdin(id: id, data: Array(stdin[progress.sent..<(progress.sent + count)])))
            progress.sent += count
        }
        run.session.queue(.eof(id: id))
        progress.ended = true
    }

    private func deliver(_ kind: OutputKind, _ bytes: [UInt8], of run: HostRun) {
        switch options.output {
        case .live:
            if kind == .stdout {
                write(.standardOutput, run.stdout.lines(bytes))
            } else {
                write(.standardError, run.stderr.lines(bytes))
            }
        case .gathered(let includingStderr):
            if kind == .stdout {
                run.heldStdout += bytes
            } else if includingStderr {
                run.heldStderr += bytes
            } else {
                write(.standardError, run.stderr.lines(bytes))
            }
        case .json:
            if kind == .stdout { run.heldStdout += bytes } else { run.heldStderr += bytes }
        }
    }

    private func write(_ fd: FileDescriptor, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        // A closed stdout leaves the hosts nothing to say; the run still ends in order.
        try? output.write(fd, bytes)
    }

    /// "connection refused", as the summary says it.
    static func describe(_ error: Errno) -> String {
        let text = error.description
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
