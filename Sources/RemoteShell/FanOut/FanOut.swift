import RSHProtocol
import RSHSystem

/// Work on many hosts from one thread: an event loop, one coroutine per
/// host in flight, at most `window` of them at a time; a new host starts as
/// soon as one finishes (pdsh's and clush's sliding window). No thread and
/// no process per host. The engine connects and keeps the window, the
/// interrupts and the reports; what is done on each host once connected is
/// the work's (`FanOutWork`): a command (`CommandWork`), or a copy (`CopyWork`).
///
/// Ctrl-C once says which hosts are still running and asks their work to
/// stop politely (a command gets INT); twice, it stops everything. Work that
/// has nothing polite to do (a copy) stops at the first.
actor FanOut {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let loop: EventLoop
    let options: FanOutOptions
    let work: any FanOutWork
    /// How every host is reached: TLS with the identity (or the pre-shared
    /// key) and known_hosts, or plain.
    private let security: ClientSecurity
    /// Hosts connected before the loop ran (`run`'s `connected`).
    private var connected: [String: any ByteStream]
    private let interrupts: SignalReader?
    private var reports: [HostReport?]
    private var running: [Int: HostRun] = [:]
    private var nextHost = 0
    private var interruptCount = 0
    /// Wakes `run` when a host finishes.
    private let watcher = EventLoop.WaitHandle()
    let output = LocalOutput()

    /// A host in flight: what Ctrl-C reaches into, and what its work holds for the report.
    final class HostRun {
        let host: String
        let handle = EventLoop.WaitHandle()
        var stdout: LinePrefixer
        var stderr: LinePrefixer
        var heldStdout: [UInt8] = []
        var heldStderr: [UInt8] = []
        /// The user stopped everything: the host's wait ends, and so does its run.
        var abandoned = false
        /// The user pressed Ctrl-C once: the work should stop politely (a command gets INT).
        var interruptRequested = false

        init(host: String) {
            self.host = host
            stdout = LinePrefixer(host: host)
            stderr = LinePrefixer(host: host)
        }
    }

    /// How every host ended, in the order of `options.hosts`.
    struct Outcome {
        var reports: [HostReport]
        /// Ctrl-C ended the fan-out (hosts not started are reported as such).
        var interrupted: Bool
    }

    private init(options: FanOutOptions, work: any FanOutWork, security: ClientSecurity, connected: sending [String: any ByteStream],
                 loop: EventLoop, interrupts: SignalReader?) {
        self.options = options
        self.work = work
        self.security = security
        self.connected = connected
        self.loop = loop
        self.interrupts = interrupts
        unownedExecutor = loop.asUnownedSerialExecutor()
        reports = Array(repeating: nil, count: options.hosts.count)
    }

    /// Runs the fan-out on the calling thread. `connected` holds hosts
    /// already connected, by name: `rsh cp` connects before the loop runs, so
    /// that a question about a server's key is asked while Ctrl-C still ends rsh.
    /// `readSize`: the most one read of a socket takes. Each host's decoder
    /// (and TLS) buffer grows to what one read brings, so a large one is for
    /// few hosts.
    static func run(_ options: FanOutOptions, work: any FanOutWork, security: ClientSecurity,
                    connected: sending [String: any ByteStream] = [:], readSize: Int = Limits.readChunkSize,
                    interrupts: SignalReader?) throws(ClientError) -> Outcome {
        let loop: EventLoop
        do {
            loop = try EventLoop(name: "fan-out", scratchSize: readSize)
        } catch {
            throw .unusable("cannot start the event loop: \(error)")
        }
        let fanOut = FanOut(options: options, work: work, security: security, connected: connected, loop: loop, interrupts: interrupts)
        let box = OutcomeBox()
        Task(executorPreference: loop) {
            box.value = await fanOut.runAll()
            loop.stop()
        }
        loop.run()
        return box.value!
    }

    /// The outcome, carried from the loop's task to the caller (the loop
    /// has stopped by the time it is read).
    private final class OutcomeBox: @unchecked Sendable {
        var value: Outcome?
    }

    // MARK: The window

    private func runAll() async -> Outcome {
        startHosts()
        while !running.isEmpty {
            var interests: [EventLoop.Interest] = []
            if let interrupts, interruptCount < 2 { interests.append(.readable(interrupts.descriptor)) }
            _ = await loop.wait(interests, handle: watcher)
            while let signal = interrupts?.next(), signal == .interrupt { interrupted() }
        }
        if let interrupts { loop.deregister(interrupts.descriptor) }
        var all: [HostReport] = []
        for (index, host) in options.hosts.enumerated() {
            all.append(reports[index] ?? HostReport(host: host, ending: .failed("not started: interrupted")))
        }
        return Outcome(reports: all, interrupted: interruptCount > 0)
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
        interruptCount += work.stopsAtFirstInterrupt ? 2 : 1
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

    /// What `rsh -w COMMAND` prints at the end (the gathered blocks, the
    /// summary) and its exit status.
    static func conclude(_ outcome: Outcome, _ options: FanOutOptions) -> Int32 {
        if case .gathered(let includingStderr) = options.output {
            try? LocalOutput().write(.standardOutput, FanOutSummary.gathered(outcome.reports, includingStderr: includingStderr))
        }
        if !options.quiet {
            for line in FanOutSummary.complaints(outcome.reports) { LocalOutput().message("rsh: " + line) }
        }
        return outcome.interrupted ? ExitStatus.signaled(.interrupt).shellStatus
                                   : FanOutSummary.exitStatus(outcome.reports, worst: options.worstStatus)
    }

    // MARK: One host

    /// Connects (and shakes hands, with TLS), then hands the connection to the work.
    private func exchange(_ run: HostRun, started: ContinuousClock.Instant) async -> HostReport {
        func ending(_ ending: HostReport.Ending) -> HostReport { HostReport(host: run.host, ending: ending) }
        let stream: any ByteStream
        if let ready = connected.removeValue(forKey: run.host) {
            stream = ready
        } else {
            switch await connect(run, started: started) {
            case .success(let connectedStream): stream = connectedStream
            case .failure(let failure): return ending(failure.ending)
            }
        }
        defer {
            loop.deregister(stream.descriptor)
            stream.close()
        }
        return ending(await work.run(run, over: LoopClient(loop: loop, stream: stream, handle: run.handle), in: self))
    }

    /// Why a host could not be reached.
    private struct ConnectFailure: Error {
        let ending: HostReport.Ending
    }

    /// The connection, and its TLS handshake, within the connect timeout.
    private func connect(_ run: HostRun, started: ContinuousClock.Instant) async -> Result<any ByteStream, ConnectFailure> {
        func failure(_ ending: HostReport.Ending) -> Result<any ByteStream, ConnectFailure> { .failure(ConnectFailure(ending: ending)) }
        let address: SocketAddress
        do {
            address = try SocketAddress.lookUp(run.host, defaultPort: options.port)
        } catch {
            switch error {
            case .malformed: return failure(.unreachable("not an address (HOST[:PORT])"))
            case .unresolved(_, let reason): return failure(.unreachable("cannot resolve the host name: \(reason)"))
            }
        }
        let socket: FileDescriptor
        do {
            socket = try FileDescriptor.connectingSocket(to: address)
        } catch {
            return failure(.unreachable(LoopClient.describe(error)))
        }
        var handedOver = false
        defer {
            if !handedOver {
                loop.deregister(socket)
                socket.closeAfterUse()
            }
        }
        let connectDeadline = started + options.connectTimeout
        var interests: [EventLoop.Interest] = [.writable(socket)]
        while true {
            switch await loop.wait(interests, until: connectDeadline, handle: run.handle) {
            case .ready: break
            case .timedOut: return failure(.unreachable("connection timed out"))
            case .interrupted:
                if run.abandoned { return failure(.failed("interrupted")) }
                continue
            }
            break
        }
        let stream: any ByteStream
        do {
            if let error = try socket.connectionError() { return failure(.unreachable(LoopClient.describe(error))) }
            if let tls = try security.startTLS(socket) {
                while try !security.advanceHandshake(tls) {
                    if tls.hasPendingWrites { try tls.flushPending() }
                    interests = [.readable(socket)]
                    if tls.hasPendingWrites { interests.append(.writable(socket)) }
                    switch await loop.wait(interests, until: connectDeadline, handle: run.handle) {
                    case .ready, .interrupted:
                        if run.abandoned { return failure(.failed("interrupted")) }
                    case .timedOut:
                        return failure(.unreachable("the TLS handshake did not finish within \(options.connectTimeout)"))
                    }
                    while let count = try socket.tryRead(into: loop.scratch) {
                        guard count > 0 else { return failure(.unreachable("the server closed the connection during the TLS handshake")) }
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
            return failure(.unreachable(error.description))
        } catch let error as Errno {
            return failure(.unreachable(LoopClient.describe(error)))
        } catch let error as TransportError {
            return failure(.unreachable(error.description))
        } catch {
            return failure(.unreachable("\(error)"))
        }
        handedOver = true
        return .success(stream)
    }

    /// Passes a chunk of a host's output on: live with its prefix, held for
    /// the gathered blocks, or held for its JSON object.
    func deliver(_ kind: OutputKind, _ bytes: [UInt8], of run: HostRun) {
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
}
