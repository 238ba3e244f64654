/// Classic connections (PROTOCOL.md, section 6): each read is one command,
/// run by the shell; its stderr and stdout are kept and sent back as one
/// frame. Commands that arrive while one runs wait their turn.
extension ServerSession {
    mutating func receiveClassic(_ chunk: UnsafeRawBufferPointer, _ actions: inout [Action]) {
        guard !isShuttingDown else { return }
        var bytes = chunk[...]
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { return }
        // Text that is not a command still waits its turn: replies go out in
        // the order the commands came in, the only way a classic client can
        // tell which reply is whose.
        if let text = String(validating: bytes, as: UTF8.self), !text.utf8.contains(0) {
            classicQueue.append(.command(text))
        } else {
            classicQueue.append(.notText)
        }
        if classicQueue.count > Limits.maxQueuedClassicCommands {
            phase = .closed
            classicQueue.removeAll()
            actions.append(.close)
            actions += commands.keys.sorted().map { .terminate(id: $0) }
            return
        }
        if commands.isEmpty { startNextClassic(&actions) }
    }

    /// Answers the queued entries in order until one is a command to run, and starts it.
    mutating func startNextClassic(_ actions: inout [Action]) {
        while phase == .classic, commands.isEmpty, !classicQueue.isEmpty {
            switch classicQueue.removeFirst() {
            case .notText:
                actions.append(.send(classicReply(code: 255, body: Array("rshd: the command is not valid UTF-8 text\n".utf8))))
            case .command(let text):
                let request = ExecRequest(id: nextClassicID, command: .shell(text),
                                          timeoutMilliseconds: configuration.defaultTimeoutMilliseconds)
                nextClassicID += 1
                commands[request.id] = Command(request: request, stdinOpen: false)
                actions.append(.start(request))
                return
            }
        }
        actions += closeIfDrained()
    }

    func classicReply(_ command: Command, _ outcome: CommandOutcome) -> [UInt8] {
        let code: Int32
        switch outcome.status {
        case .exited(let value): code = value
        // Python's subprocess reports death by signal N as -N; classic clients expect that.
        case .signaled(let signal): code = -signal.rawValue
        }
        var extra: [(String, JSONValue)] = []
        if command.classicTruncated { extra.append(("truncated", .bool(true))) }
        if outcome.timedOut { extra.append(("timed_out", .bool(true))) }
        return classicReply(code: code, body: command.classicStderr + command.classicStdout, extra: extra)
    }

    func classicReply(code: Int32, body: [UInt8], extra: [(String, JSONValue)] = []) -> [UInt8] {
        var output: [UInt8] = []
        // FrameEncoder puts total_size last; classic clients read only total_size (and exit_code).
        FrameEncoder.append(type: nil, [("exit_code", .integer(Int64(code)))] + extra, body: body, to: &output)
        return output
    }
}
