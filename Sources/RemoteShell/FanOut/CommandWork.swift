import RSHProtocol

/// `rsh -w HOSTS COMMAND`: the command on each host, its output passed to
/// the fan-out as it arrives, the same stdin to every host (`--stdin`), INT
/// at the first Ctrl-C.
struct CommandWork: FanOutWork {
    let options: FanOutOptions

    var stopsAtFirstInterrupt: Bool { false }

    func run(_ host: FanOut.HostRun, over client: LoopClient, in fanOut: isolated FanOut) async -> HostReport.Ending {
        let id = client.newID()
        client.session.queue(.exec(ExecRequest(id: id, command: options.command, environment: options.environment,
                                               workingDirectory: options.workingDirectory,
                                               timeoutMilliseconds: options.timeout.map { max(1, $0.milliseconds) },
                                               wantsStdin: options.stdin != nil)))
        var stdin = StdinProgress()
        var signalSent = false
        // A server that stops answering is cut off once the command's own
        // timeout and the server's teardown would long be over.
        let deadline = options.timeout.map { ContinuousClock.now + $0 + Self.teardownAllowance }
        while true {
            // What the server said (its hello, a window) decides what may be sent next.
            if host.interruptRequested, !signalSent, client.session.phase == .ready {
                client.session.queue(.signal(id: id, .interrupt))
                signalSent = true
            }
            if let bytes = options.stdin { feed(bytes, over: client, id: id, progress: &stdin) }
            let turn: LoopClient.Turn
            do {
                turn = try await client.next(until: deadline)
            } catch {
                return .failed(error.reason)
            }
            switch turn {
            case .events(let events):
                for event in events {
                    switch event {
                    case .output(_, let kind, let bytes): fanOut.deliver(kind, bytes, of: host)
                    case .exited(let report): return .finished(report.outcome)
                    case .rejected(let error), .failed(let error): return .failed(error.message)
                    case .ready, .pong, .file: continue
                    }
                }
            case .timedOut:
                return .failed("timed out: no answer within \(options.timeout!) and the teardown after it")
            case .interrupted:
                if host.abandoned { return .failed("interrupted") }
            }
        }
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
    private func feed(_ stdin: [UInt8], over client: LoopClient, id: Int64, progress: inout StdinProgress) {
        guard !progress.ended else { return }
        while progress.sent < stdin.count {
            // Without a window (an older server), keep the send queue short instead.
            let room = client.session.stdinRoom(for: id) ?? max(0, Limits.stdinHighWater - client.session.queuedInputByteCount)
            guard room > 0 else { return }
            let count = min(room, Limits.readChunkSize, stdin.count - progress.sent)
            client.session.queue(.stdin(id: id, data: Array(stdin[progress.sent..<(progress.sent + count)])))
            progress.sent += count
        }
        client.session.queue(.eof(id: id))
        progress.ended = true
    }
}
